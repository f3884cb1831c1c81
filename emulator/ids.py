"""The emulated workspace's fixed names: its team, the bot's ids and the tokens the emulator accepts.

Imports nothing, so emulator/requests.py (the requests Slack sends an app) stays importable on its own.
"""

BOT_TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-test-app-token"  # app-level token with connections:write, for Socket Mode
BOT_USER_ID = "UBOT0001"
BOT_ID = "BBOT0001"
APP_ID = "A0001"
TEAM_ID = "T0001"
TEAM_NAME = "Test Team"
TEAM_DOMAIN = "testteam"

# The app's OAuth credentials (oauth.v2.access checks them); "Basic Information" in the app's settings.
CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "emulator-client-secret"
