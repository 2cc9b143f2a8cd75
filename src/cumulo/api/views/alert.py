"""AlertResponse."""

from __future__ import annotations

from typing import Any

from cumulo.db.models.alert import Alert


def alert_view(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.uuid,
        "type": alert.type,
        "name": alert.name,
        "description": alert.subject,
        "sent": alert.last_sent,
        "archived": alert.archived,
    }
