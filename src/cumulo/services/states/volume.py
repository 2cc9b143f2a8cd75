"""Volume states (CloudStack Volume.State)."""

from __future__ import annotations

from cumulo.db.models.volume import Volume
from cumulo.services.states import table

ALLOCATED, CREATING, READY, ATTACHING = "Allocated", "Creating", "Ready", "Attaching"
MIGRATING, RESIZING, SNAPSHOTTING = "Migrating", "Resizing", "Snapshotting"
UPLOAD_OP, UPLOADED, DESTROY, EXPUNGING, EXPUNGED = (
    "UploadOp",
    "Uploaded",
    "Destroy",
    "Expunging",
    "Expunged",
)
ERROR, UPLOAD_ERROR = "Error", "UploadError"
# Browser (HTTP POST) uploads: getUploadParamsForVolume, then the POST to the image store.
NOT_UPLOADED, UPLOAD_IN_PROGRESS, UPLOAD_ABANDONED = (
    "NotUploaded",
    "UploadInProgress",
    "UploadAbandoned",
)
# On secondary storage (uploaded from a URL or posted), not on a primary pool yet.
ON_SECONDARY = frozenset(
    {UPLOAD_OP, UPLOADED, UPLOAD_ERROR, NOT_UPLOADED, UPLOAD_IN_PROGRESS, UPLOAD_ABANDONED}
)
TRANSITIONAL = frozenset({CREATING, ATTACHING, MIGRATING, RESIZING, SNAPSHOTTING, EXPUNGING})

STATE = table(
    "Volume",
    Volume,
    "state",
    {
        "create": ((ALLOCATED,), CREATING),
        "created": ((CREATING,), READY),
        "create_failed": ((CREATING,), ALLOCATED),
        "attach": ((READY, ALLOCATED, UPLOADED), ATTACHING),
        "attached": ((ATTACHING,), READY),
        "attach_failed": ((ATTACHING,), READY),
        "migrate": ((READY,), MIGRATING),
        "migrated": ((MIGRATING,), READY),
        "migrate_failed": ((MIGRATING,), READY),
        "resize": ((READY, ALLOCATED), RESIZING),
        "resized": ((RESIZING,), READY),
        "resize_failed": ((RESIZING,), READY),
        "snapshot": ((READY,), SNAPSHOTTING),
        "snapshotted": ((SNAPSHOTTING,), READY),
        "upload": ((ALLOCATED,), UPLOAD_OP),
        "uploaded": ((UPLOAD_OP,), UPLOADED),
        "upload_failed": ((UPLOAD_OP, UPLOAD_IN_PROGRESS), UPLOAD_ERROR),
        "post_upload": ((ALLOCATED,), NOT_UPLOADED),
        "post_started": ((NOT_UPLOADED,), UPLOAD_IN_PROGRESS),
        "post_done": ((UPLOAD_IN_PROGRESS,), UPLOADED),
        "post_abandoned": ((NOT_UPLOADED,), UPLOAD_ABANDONED),
        "destroy": ((READY, ALLOCATED, UPLOADED, UPLOAD_ERROR, ERROR), DESTROY),
        "recover": ((DESTROY,), READY),
        "expunge": ((DESTROY, ALLOCATED, ERROR, UPLOADED, UPLOAD_ERROR), EXPUNGING),
        "expunged": ((EXPUNGING,), EXPUNGED),
        "fail": ((CREATING, ATTACHING, MIGRATING, RESIZING, SNAPSHOTTING, EXPUNGING), ERROR),
    },
)
