"""`python -m handoff_service`: serve the app with uvicorn on KEFU_HANDOFF_HOST:KEFU_HANDOFF_PORT."""

import uvicorn

from handoff_service.app import create_app
from handoff_service.settings import Settings


def main() -> None:
    settings = Settings()
    # Chat frames are a few hundred bytes: compressing each costs more CPU than it saves.
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level="info", ws_per_message_deflate=False
    )


if __name__ == "__main__":
    main()
