"""The knowledge page's API (trainers, supervisors, admins): browse and edit entries, try a
question, history and undo, import and export spreadsheets, proposals from agents' answers, coverage."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from handoff_service.core.attachments import FileTooLarge, UnsupportedFile
from handoff_service.core.deps import require_role
from handoff_service.core.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    error_responses,
)
from handoff_service.core.inputs import Input
from handoff_service.core.models import Agent
from handoff_service.training.knowledge import KnowledgeCatalogue, KnowledgeUnreadable
from handoff_service.training.knowledge_images import KnowledgeImages
from handoff_service.training.knowledge_learning import KnowledgeLearning
from kb_index.errors import KnowledgeError
from kb_index.transfer import (
    apply_import,
    import_summary,
    plan_import,
    read_rows,
    write_rows,
)

router = APIRouter(
    prefix="/api/knowledge",
    tags=["knowledge"],
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, KnowledgeUnreadable),
)

Editor = Annotated[Agent, Depends(require_role("trainer", "supervisor", "admin"))]
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def get_catalogue(request: Request) -> KnowledgeCatalogue:
    return request.app.state.knowledge


def get_learning(request: Request) -> KnowledgeLearning:
    return request.app.state.knowledge_learning


def get_images(request: Request) -> KnowledgeImages:
    return request.app.state.knowledge_images


ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the review item the proposal comes from")]
Catalogue = Annotated[KnowledgeCatalogue, Depends(get_catalogue)]
Learning = Annotated[KnowledgeLearning, Depends(get_learning)]
Images = Annotated[KnowledgeImages, Depends(get_images)]
# Knowledge pictures are public (every shopper sees them) and named by their content: cached for good.
IMAGE_HEADERS = {
    "Cache-Control": "public, max-age=31536000, immutable",
    "Cross-Origin-Resource-Policy": "cross-origin",  # the widget shows them on the store's pages
}
images_router = APIRouter(tags=["knowledge"], responses=error_responses(NotFound))


class EntryForm(Input):
    id: str = Field(default="", max_length=128)
    category: str = Field(default="", max_length=64)
    questions: dict[Literal["zh", "en"], list[Annotated[str, Field(max_length=4000)]]] = Field(default_factory=dict)
    answer: dict[Literal["zh", "en"], Annotated[str, Field(max_length=8000)]] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list, max_length=50)
    valid_from: str | None = Field(default=None, max_length=32)
    valid_until: str | None = Field(default=None, max_length=32)
    variables: list[str] = Field(default_factory=list, max_length=50)
    related: list[str] = Field(default_factory=list, max_length=50)
    archived: bool = False
    image: str | None = Field(default=None, max_length=2000, description="an https:// URL or a path starting with /")


class EditBody(Input):
    version: str = Field(max_length=32)
    entry: EntryForm


class VersionBody(Input):
    version: str = Field(max_length=32)


class TryBody(Input):
    text: str = Field(min_length=1, max_length=500)
    lang: Literal["zh", "en"] = "zh"
    draft: EntryForm | None = None
    editing: str | None = Field(default=None, max_length=128)


class AcceptEntryBody(Input):
    entry: EntryForm


class AcceptPhrasingBody(Input):
    entry_id: str = Field(max_length=128)
    version: str = Field(max_length=32)
    question: str = Field(min_length=1, max_length=500)
    lang: Literal["zh", "en"]


@router.get("/entries")
async def entries(
    editor: Editor,
    catalogue: Catalogue,
    q: Annotated[str, Query(max_length=200)] = "",
    category: Annotated[str, Query(max_length=64)] = "",
    validity: Literal["", "active", "scheduled", "expired", "archived"] = "",
) -> dict[str, Any]:
    return await catalogue.list(q, category, validity)


@router.post("/entries", status_code=201)
async def create(body: EntryForm, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    return await catalogue.create(body.model_dump(), editor.username)


@router.get("/entries/{entry_id}")
async def entry(entry_id: str, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    return await catalogue.get(entry_id)


@router.put("/entries/{entry_id}")
async def edit(entry_id: str, body: EditBody, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    form = body.entry.model_dump(exclude=None if "image" in body.entry.model_fields_set else {"image"})
    return await catalogue.update(entry_id, form, body.version, editor.username)


@router.post("/entries/{entry_id}/archive")
async def archive(entry_id: str, body: VersionBody, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    return await catalogue.set_archived(entry_id, True, body.version, editor.username)


@router.post("/entries/{entry_id}/restore")
async def restore(entry_id: str, body: VersionBody, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    return await catalogue.set_archived(entry_id, False, body.version, editor.username)


@router.post(
    "/entries/{entry_id}/image",
    responses=error_responses(UnsupportedFile, FileTooLarge),
    openapi_extra={"requestBody": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def upload_image(
    entry_id: str,
    request: Request,
    editor: Editor,
    catalogue: Catalogue,
    images: Images,
    version: Annotated[str, Query(max_length=32, description="the entry's version the editor has open")],
) -> dict[str, Any]:
    """A picture for the entry: the raw bytes as the body (its type is read from its content, never
    its name). It is re-encoded without EXIF, stored, and written into the entry's `image:` key."""
    if (await catalogue.records()).get(entry_id) is None:
        raise NotFound(f"no knowledge entry {entry_id!r}")
    path = await images.store(await request.body())
    return await catalogue.set_image(entry_id, path, version, editor.username)


@router.delete("/entries/{entry_id}/image")
async def remove_image(
    entry_id: str, editor: Editor, catalogue: Catalogue, version: Annotated[str, Query(max_length=32)]
) -> dict[str, Any]:
    """The entry shows no picture any more (the stored file stays: history and undo may name it)."""
    return await catalogue.set_image(entry_id, None, version, editor.username)


@images_router.get(
    "/kb-images/{name}", response_class=Response, responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}}
)
async def knowledge_image(name: Annotated[str, Path(max_length=64)], images: Images) -> Response:
    """A knowledge entry's uploaded picture, to anyone (the widget shows it with the answer)."""
    data, content_type = await images.read(name)
    return Response(data, media_type=content_type, headers=IMAGE_HEADERS)


@router.post("/entries/{entry_id}/undo")
async def undo(entry_id: str, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    return await catalogue.undo(entry_id, editor.username)


@router.post("/try")
async def try_question(body: TryBody, editor: Editor, catalogue: Catalogue) -> dict[str, Any]:
    draft = body.draft.model_dump() if body.draft is not None else None
    return await catalogue.try_question(body.text, body.lang, draft, body.editing)


@router.post("/import")
async def import_file(
    request: Request,
    editor: Editor,
    catalogue: Catalogue,
    name: Annotated[str, Query(min_length=1, max_length=200, description="the file's name: .csv or .xlsx")],
    dry_run: Annotated[bool, Query()] = True,
) -> dict[str, Any]:
    """The file is the request body as it is (no form encoding; at most KEFU_MAX_BODY_BYTES). A dry
    run (the default) says what each row would do; `dry_run=false` writes the rows."""
    data = await request.body()
    if not data:
        raise BadRequest("the file is empty")
    records = await catalogue.records()
    try:
        outcomes = plan_import(await asyncio.to_thread(read_rows, data, name), records)
    except KnowledgeError as exc:
        raise BadRequest(str(exc)) from exc
    if not dry_run:
        knowledge_dir = catalogue.knowledge_dir
        written: list[tuple[Any, Any]] = []
        outcomes = await asyncio.to_thread(apply_import, knowledge_dir, outcomes, lambda o, before: written.append((o, before)))
        for outcome, before in written:
            await catalogue.remember(outcome.id, "import", editor.username, before, outcome.raw)
        await catalogue.reindex()
    return {"dry_run": dry_run, **import_summary(outcomes)}


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA.values()},
                     "description": "the spreadsheet"}},
)
async def export(editor: Editor, catalogue: Catalogue, format: Literal["csv", "xlsx"] = "csv") -> Response:  # noqa: A002
    records = await catalogue.records()
    data = await asyncio.to_thread(write_rows, sorted(records.values(), key=lambda r: (r.entry.category, r.entry.id)), format)
    disposition = f'attachment; filename="knowledge.{format}"'
    return Response(data, media_type=MEDIA[format], headers={"Content-Disposition": disposition})


@router.get("/proposals")
async def proposals(editor: Editor, learning: Learning) -> dict[str, Any]:
    return {"proposals": await learning.proposals()}


@router.post("/proposals/{item_id}/entry")
async def accept_entry(item_id: ItemId, body: AcceptEntryBody, editor: Editor, learning: Learning) -> dict[str, Any]:
    return await learning.accept_entry(item_id, body.entry.model_dump(), editor.username)


@router.post("/proposals/{item_id}/phrasing")
async def accept_phrasing(item_id: ItemId, body: AcceptPhrasingBody, editor: Editor, learning: Learning) -> dict[str, Any]:
    return await learning.accept_phrasing(item_id, body.entry_id, body.version, body.question, body.lang, editor.username)


@router.post("/proposals/{item_id}/dismiss")
async def dismiss(item_id: ItemId, editor: Editor, learning: Learning) -> dict[str, Any]:
    return await learning.dismiss(item_id, editor.username)


@router.get("/coverage")
async def coverage(editor: Editor, learning: Learning, days: Annotated[int, Query(ge=1, le=90)] = 7) -> dict[str, Any]:
    return await learning.coverage(days)

