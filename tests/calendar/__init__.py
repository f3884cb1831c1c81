"""Tests of calendars: the feed the bot serves, and people's own calendars it reads."""
