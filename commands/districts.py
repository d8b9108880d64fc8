"""CLI commands of one area.

District delegations (issue 9). The district officer's private link /d/<token> and /admin/districts.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

COMMANDS: list = []
