"""Calendars (issue 13): a person's subscription feed of their 1:1s, written as RFC 5545 text."""
