"""Every model module, imported so that metadata and Alembic see all tables.

Import models from their own module (``cumulo.db.models.account``); this
package only guarantees they are all loaded.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
