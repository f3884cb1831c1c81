"""The Slack Web API methods the emulator answers, a module per family: each a part of SlackEmulator.

A handler takes the call's arguments and returns the answer's fields besides ``"ok": true``; it raises
``emulator.workspace.ApiError`` (through ``fail`` or ``missing``) for Slack's error answers.
"""
