"""CLI commands of one area.

Exhibition (issue 6). Public /exhibitors/register and status link; /admin/exhibitors; per-district view.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

COMMANDS: list = []
