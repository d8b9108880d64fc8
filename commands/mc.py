"""CLI commands of one area.

Awards, MC tablet and stage screen (issue 7). /mc/, /stage/, /admin/awards.

Add click commands to COMMANDS; cli.register() adds them to `flask --app app`.
"""

COMMANDS: list = []
