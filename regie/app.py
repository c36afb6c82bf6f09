"""The Litestar application: one factory, used by the server, the CLI and the tests. The composition root:
the only place that puts the sides (accounts, portal, municipal) together on the shared base."""

from __future__ import annotations

from litestar import Litestar, Router, get
from litestar.config.csrf import CSRFConfig
from litestar.logging import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.security.session_auth import SessionAuth
from litestar.static_files import create_static_files_router

from accounts import routes as account_routes
from municipal.cbs.routes import CbsController
from municipal.dossier.routes import DossierController, EnrollmentController, ImportController, PeopleController
from municipal.duo.routes import DuoController, DuoSettingsController, notificaties
from municipal.handhaving.routes import HandhavingController
from municipal.inbox.routes import InboxController, InboxSetupController
from municipal.providers.routes import ProviderController
from municipal.settings_routes import FooterController, RetentionController
from portal.routes import PortalController
from portal.uploads.api import SWAGGER_UI_ASSETS, ApiController, openapi_config, swagger_ui_directory
from portal.uploads.routes import ApiTokenController, UploadController
from regie import background
from shared.db import close_db, open_db
from shared.security import CurrentUser, DatabaseSessionStore, LazySessionConfig, retrieve_user
from shared.settings import ROOT, settings
from shared.web import (
    bounded_ids_middleware,
    exception_handlers,
    security_headers,
    server_timing_middleware,
    template_config,
)

# /api/ authenticates with an organisation's token (portal/uploads/api.py), not with a session.
# /notificaties is DUO's call: the reverse proxy's mutual TLS vouches for DUO (municipal/duo/inbound.py).
PUBLIC = ["^/static/", "^/inloggen", "^/gezond", "^/schema", "^/api/", "^/notificaties$"]


@get("/gezond", name="health", exclude_from_auth=True, skip_session=True)
async def health() -> dict[str, str]:
    """For load balancers and compose's healthcheck: the process answers."""
    return {"status": "ok"}


def create_app() -> Litestar:
    session_auth = SessionAuth[CurrentUser, DatabaseSessionStore](
        retrieve_user_handler=retrieve_user,
        session_backend_config=LazySessionConfig(
            store="sessions",
            key="regie_sessie",
            # The cookie and the stored session live as long as a session may (the maximum lifetime); the idle
            # time-out is checked on the server (shared.security.retrieve_user), so that a user who comes back
            # after it still sends the cookie and is told that the session expired.
            max_age=settings.session_max_hours * 3600,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        ),
        exclude=PUBLIC,
    )
    return Litestar(
        route_handlers=[
            # The OpenAPI schema documents the provider API only, not the HTML pages.
            Router(
                path="/",
                include_in_schema=False,
                route_handlers=[
                    health,
                    notificaties,
                    DuoController,
                    DuoSettingsController,
                    *account_routes.route_handlers,
                    PortalController,
                    PeopleController,
                    DossierController,
                    EnrollmentController,
                    ImportController,
                    ProviderController,
                    InboxController,
                    InboxSetupController,
                    UploadController,
                    ApiTokenController,
                    RetentionController,
                    HandhavingController,
                    CbsController,
                    FooterController,
                    create_static_files_router(path="/static", directories=[ROOT / "static"], name="static"),
                    create_static_files_router(
                        path=SWAGGER_UI_ASSETS, directories=[swagger_ui_directory()], name="swagger_ui"
                    ),
                ],
            ),
            ApiController,
        ],
        on_app_init=[session_auth.on_app_init],
        middleware=[server_timing_middleware, bounded_ids_middleware],
        before_send=[security_headers],
        stores={"sessions": DatabaseSessionStore()},
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_secure=settings.secure_cookies,
            cookie_name="regie_csrf",
            exclude=["^/api/", "^/gezond", "^/notificaties$"],
        ),
        template_config=template_config,
        plugins=[HTMXPlugin()],
        exception_handlers=exception_handlers,
        on_startup=[open_db, background.start],
        on_shutdown=[background.stop, close_db],
        logging_config=LoggingConfig(
            log_exceptions="always", disable_stack_trace={400, 401, 403, 404, 405, 409, 413, 415, 422}
        ),
        openapi_config=openapi_config(),
        debug=False,
    )


app = create_app()
