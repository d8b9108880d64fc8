"""CLI commands of one area.

Organiser dashboard and reports (issue 5). /admin/ and /admin/reports.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

COMMANDS: list = []
