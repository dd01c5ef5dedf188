"""The Toxiproxy 2.x HTTP API: one routes table, its handlers, and the router's middleware.

Status codes, bodies and headers follow ``shared/reference/toxiproxy-api.md`` sections 1.2-1.4:
success bodies are compact JSON without a trailing newline; errors are ``{"error", "status"}``
(plus ``title``, which clients older than 2.1 read) with a newline, labelled text/plain as Go's
``http.Error`` labels them. Like gorilla/mux, the router answers an unclean path with a 301 to
its clean form, an unknown path with ``404 page not found``, a known path with the wrong method
with an empty 405; the middleware (request id, browser block, 25 s timeout) runs on matched
routes only. Handlers run one at a time, so a request never sees another half done.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.faultproxy import metrics, populate
from harness.faultproxy.decode import dumps, expect_object, parse_body
from harness.faultproxy.decode import field as go_field
from harness.faultproxy.errors import ApiError, missing_field
from harness.faultproxy.proxy import Proxy, ProxyCollection

log = logging.getLogger(__name__)

VERSION = "2.12.0"
HANDLER_TIMEOUT_S = 25.0
TIMEOUT_BODY = "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>"
PROXY = "proxy.Proxy"

Args = dict[str, str]
Handler = Callable[["Api", web.Request, Args], Awaitable[web.Response]]


@dataclass
class Api:
    proxies: ProxyCollection = field(default_factory=ProxyCollection)
    metrics_enabled: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


# -- responses --------------------------------------------------------------------------------
def ok(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=dumps(body), content_type="application/json")


def error_response(err: ApiError) -> web.Response:
    body = {"error": err.message, "status": err.status, "title": err.message, **err.extra}
    return web.Response(status=err.status, body=dumps(body) + b"\n",
                        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})


def text_error(status: int, text: str) -> web.Response:
    return web.Response(status=status, body=text.encode() + b"\n",
                        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})


def no_content() -> web.Response:
    return web.Response(status=204)


async def body_of(request: web.Request) -> Any:
    return parse_body(await request.read())


# -- proxies ----------------------------------------------------------------------------------
async def list_proxies(api: Api, request: web.Request, _: Args) -> web.Response:
    return ok({name: api.proxies.proxies[name].to_json() for name in sorted(api.proxies.proxies)})


async def create_proxy(api: Api, request: web.Request, _: Args) -> web.Response:
    obj = expect_object(await body_of(request), PROXY)
    name = go_field(obj, "name", "string", "Proxy", "")
    listen = go_field(obj, "listen", "string", "Proxy", "")
    upstream = go_field(obj, "upstream", "string", "Proxy", "")
    enabled = go_field(obj, "enabled", "bool", "Proxy", True)
    if not name:
        raise missing_field("name")
    if not upstream:
        raise missing_field("upstream")
    proxy = await api.proxies.add(Proxy(name, listen, upstream), enabled)
    return ok(proxy.to_json(), 201)


async def populate_proxies(api: Api, request: web.Request, _: Args) -> web.Response:
    try:
        items = populate.parse_items(await body_of(request))
        done = await populate.apply(api.proxies, items)
    except ApiError as e:  # Toxiproxy answers populate errors as JSON, with the proxies done so far
        body = {"error": e.message, "status": e.status, "title": e.message, "proxies": e.extra.get("proxies")}
        return web.Response(status=e.status, body=dumps(body), content_type="application/json")
    return ok({"proxies": [p.to_json() for p in done] or None}, 201)


async def get_proxy(api: Api, request: web.Request, args: Args) -> web.Response:
    return ok(api.proxies.get(args["proxy"]).to_json())


async def update_proxy(api: Api, request: web.Request, args: Args) -> web.Response:
    """Partial update (POST or PATCH): absent fields keep their value; ``name`` and ``toxics`` are ignored."""
    proxy = api.proxies.get(args["proxy"])
    obj = expect_object(await body_of(request), PROXY)
    listen = go_field(obj, "listen", "string", "Proxy", proxy.listen)
    upstream = go_field(obj, "upstream", "string", "Proxy", proxy.upstream)
    enabled = go_field(obj, "enabled", "bool", "Proxy", proxy.enabled)
    await proxy.update(listen, upstream, enabled)
    return ok(proxy.to_json())


async def delete_proxy(api: Api, request: web.Request, args: Args) -> web.Response:
    api.proxies.remove(args["proxy"])
    return no_content()


# -- toxics -----------------------------------------------------------------------------------
async def list_toxics(api: Api, request: web.Request, args: Args) -> web.Response:
    return ok([t.to_json() for t in api.proxies.get(args["proxy"]).toxics.all()])


async def create_toxic(api: Api, request: web.Request, args: Args) -> web.Response:
    proxy = api.proxies.get(args["proxy"])
    return ok(proxy.toxics.add_json(await body_of(request)).to_json())  # 200, not 201, as in Toxiproxy


async def get_toxic(api: Api, request: web.Request, args: Args) -> web.Response:
    return ok(api.proxies.get(args["proxy"]).toxics.get(args["toxic"]).to_json())


async def update_toxic(api: Api, request: web.Request, args: Args) -> web.Response:
    toxics = api.proxies.get(args["proxy"]).toxics
    toxics.get(args["toxic"])  # 404 before the body is read, as in Toxiproxy
    return ok(toxics.update_json(args["toxic"], await body_of(request)).to_json())


async def delete_toxic(api: Api, request: web.Request, args: Args) -> web.Response:
    api.proxies.get(args["proxy"]).toxics.remove(args["toxic"])
    return no_content()


# -- server -----------------------------------------------------------------------------------
async def reset(api: Api, request: web.Request, _: Args) -> web.Response:
    await api.proxies.reset()
    return no_content()


async def version(api: Api, request: web.Request, _: Args) -> web.Response:
    return web.Response(body=f'{{"version": "{VERSION}"}}\n'.encode(),
                        headers={"Content-Type": "application/json;charset=utf-8"})


async def metrics_page(api: Api, request: web.Request, _: Args) -> web.Response:
    return web.Response(body=metrics.render(api.proxies.proxies.values()).encode(),
                        headers={"Content-Type": metrics.CONTENT_TYPE})


# -- the routes table -------------------------------------------------------------------------
ROUTES: list[tuple[str, dict[str, Handler]]] = [
    ("/reset", {"POST": reset}),
    ("/proxies", {"GET": list_proxies, "POST": create_proxy}),
    ("/populate", {"POST": populate_proxies}),
    ("/proxies/{proxy}", {"GET": get_proxy, "POST": update_proxy, "PATCH": update_proxy, "DELETE": delete_proxy}),
    ("/proxies/{proxy}/toxics", {"GET": list_toxics, "POST": create_toxic}),
    ("/proxies/{proxy}/toxics/{toxic}",
     {"GET": get_toxic, "POST": update_toxic, "PATCH": update_toxic, "DELETE": delete_toxic}),
    ("/version", {"GET": version}),
]
UNLOCKED = {version, metrics_page}  # read nothing that a concurrent change could tear


def match(template: str, path: str) -> Args | None:
    """``/proxies/{proxy}`` against a path: each ``{var}`` is one non-empty segment."""
    want, got = template.split("/"), path.split("/")
    if len(want) != len(got):
        return None
    args: Args = {}
    for w, g in zip(want, got, strict=True):
        if w.startswith("{"):
            if not g:
                return None
            args[w[1:-1]] = g
        elif w != g:
            return None
    return args


def clean_path(path: str) -> str:
    """gorilla/mux's ``cleanPath``: Go's ``path.Clean``, keeping a trailing slash."""
    parts: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if parts:
                parts.pop()
        elif segment not in ("", "."):
            parts.append(segment)
    clean = "/" + "/".join(parts)
    return clean + "/" if path.endswith("/") and clean != "/" else clean


def request_id() -> str:
    return "".join(secrets.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(20))  # xid's alphabet


def make_app(api: Api) -> web.Application:
    routes = list(ROUTES)
    if api.metrics_enabled:
        routes.append(("/metrics", {"*": metrics_page}))  # Toxiproxy registers it for every method

    async def dispatch(request: web.Request) -> web.StreamResponse:
        path = request.path or "/"
        clean = clean_path(path if path.startswith("/") else "/" + path)
        if clean != path:
            location = clean + (f"?{request.query_string}" if request.query_string else "")
            return web.Response(status=301, headers={"Location": location})
        wrong_method = False
        for template, table in routes:
            args = match(template, path)
            if args is None:
                continue
            handler = table.get(request.method) or table.get("*")
            if handler is None:
                wrong_method = True
                continue
            response = await middleware(request, handler, args)
            response.headers["X-Toxiproxy-Request-Id"] = request_id()
            return response
        return web.Response(status=405) if wrong_method else text_error(404, "404 page not found")

    async def middleware(request: web.Request, handler: Handler, args: Args) -> web.Response:
        if request.headers.get("User-Agent", "").startswith("Mozilla/"):
            return text_error(403, "User agent not allowed")
        task = asyncio.get_running_loop().create_task(run(handler, request, args))
        done, _ = await asyncio.wait({task}, timeout=HANDLER_TIMEOUT_S)
        if not done:  # Go's TimeoutHandler: the caller gets 503, the handler goes on
            return web.Response(status=503, body=TIMEOUT_BODY.encode(),
                                headers={"Content-Type": "text/html; charset=utf-8"})
        return task.result()

    async def run(handler: Handler, request: web.Request, args: Args) -> web.Response:
        try:
            if handler in UNLOCKED:
                return await handler(api, request, args)
            async with api.lock:
                return await handler(api, request, args)
        except ApiError as e:
            return error_response(e)
        except Exception as e:  # a bug: answer 500 in Toxiproxy's shape and keep serving
            log.exception("%s %s failed", request.method, request.path)
            return error_response(ApiError(f"internal error: {type(e).__name__}: {e}", 500))

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
