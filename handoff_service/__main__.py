"""`python -m handoff_service`: serve the app with uvicorn on KEFU_HANDOFF_HOST:KEFU_HANDOFF_PORT."""

import gc

import uvicorn

from handoff_service.app import create_app
from handoff_service.core.logs import log_config
from handoff_service.settings import Settings, UnsafeSettings


def main() -> None:
    settings = Settings()
    try:
        app = create_app(settings)
    except UnsafeSettings as exc:
        raise SystemExit(f"kefu handoff service refuses to start: {exc}") from None
    # What the imports and the app allocated lives as long as the process: frozen, the garbage
    # collector's full passes (≈ 0.1 s, stalling every chat) walk only what chats allocate.
    gc.collect()
    gc.freeze()
    # Chat frames are a few hundred bytes: compressing each costs more CPU than it saves.
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level="info", log_config=log_config(), ws_per_message_deflate=False,
        ws_max_size=settings.max_body_bytes,  # a bigger frame closes its socket (1009) unread
        # SIGTERM: uvicorn stops listening and closes sockets with 1012 ("service restart"), on
        # which the widget and the console reconnect; requests get this long, then the lifespan's
        # end gives running relays as long again and hands back the rest (chat/relayer.py).
        timeout_graceful_shutdown=max(int(settings.shutdown_grace_seconds), 1),
    )


if __name__ == "__main__":
    main()
