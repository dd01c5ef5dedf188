"""The Toxiproxy 2.x HTTP API: one routes table, handlers, and the middleware every route gets.

Status codes, bodies and headers follow ``shared/reference/toxiproxy-api.md`` section 1.4:
errors are ``{"error", "status"}`` (plus ``title`` for clients older than 2.1) in a text/plain
response, unknown paths answer the router's 404, known paths with a wrong method 405 with an
empty body, browsers get 403, and every response carries ``X-Toxiproxy-Request-Id``.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from harness.faultproxy.proxy import ApiError, Proxy, ProxyCollection, api_error

VERSION = "2.12.0"
HANDLER_TIMEOUT_S = 25.0
TIMEOUT_BODY = "<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>"

Handler = Callable[[web.Request, "Api", dict[str, str]], Awaitable[web.StreamResponse]]


@dataclass
class Api:
    proxies: ProxyCollection
    metrics_enabled: bool = False


# -- responses --------------------------------------------------------------------------------
def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=json.dumps(body).encode() + b"\n", content_type="application/json")


def error_response(err: ApiError) -> web.Response:
    body = {"error": err.message, "status": err.status, "title": err.message, **err.extra}
    return web.Response(status=err.status, body=json.dumps(body).encode() + b"\n",
                        headers={"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"})


def no_content() -> web.Response:
    return web.Response(status=204)


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        raise ApiError("bad request body: EOF", 400)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise ApiError(f"bad request body: {e}", 400) from None


async def read_object(request: web.Request, go_type: str) -> dict[str, Any]:
    body = await read_json(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(f"bad request body: json: cannot unmarshal {json_kind(body)} into Go value of type "
                       f"{go_type}", 400)
    return body


def json_kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "bool", int: "number", float: "number"}.get(type(value), "value")


def field(body: dict[str, Any], key: str, kind: type, go_type: str) -> Any:
    """A typed field of a request body, rejected like Go's json decoder would."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ApiError(f"bad request body: json: cannot unmarshal {json_kind(value)} into Go struct field "
                       f"{go_type}.{key} of type {kind.__name__.replace('str', 'string')}", 400)
    return value


# -- handlers ---------------------------------------------------------------------------------
async def list_proxies(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    return json_response({name: p.to_json() for name, p in api.proxies.proxies.items()})


def proxy_from_body(body: dict[str, Any], where: str = "") -> Proxy:
    name = field(body, "name", str, "proxy.Proxy")
    upstream = field(body, "upstream", str, "proxy.Proxy")
    listen = field(body, "listen", str, "proxy.Proxy")
    enabled = field(body, "enabled", bool, "proxy.Proxy")
    if not name:
        raise ApiError(f"missing required field: name{where}", 400)
    if not upstream:
        raise ApiError(f"missing required field: upstream{where}", 400)
    return Proxy(name=name, listen=listen or "", upstream=upstream, enabled=True if enabled is None else enabled)


async def create_proxy(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    proxy = proxy_from_body(await read_object(request, "proxy.Proxy"))
    await api.proxies.add(proxy)
    return json_response(proxy.to_json(), 201)


async def populate(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, list):
        raise ApiError(f"bad request body: json: cannot unmarshal {json_kind(body)} into Go value of type "
                       "[]proxy.Proxy", 400)
    wanted: list[tuple[Proxy, list[dict[str, Any]]]] = []
    for i, item in enumerate(body, start=1):
        if not isinstance(item, dict):
            raise ApiError(f"bad request body: json: cannot unmarshal {json_kind(item)} into Go value of type "
                           "proxy.Proxy", 400)
        toxics = item.get("toxics") or []
        if not isinstance(toxics, list):
            raise ApiError(f"bad request body: toxics of proxy {i} must be an array", 400)
        wanted.append((proxy_from_body(item, f" at proxy {i}"), toxics))
    done: list[dict[str, Any]] = []
    try:
        for proxy, toxics in wanted:
            existing = api.proxies.proxies.get(proxy.name)
            if existing is not None and not differs(existing, proxy.listen, proxy.upstream):
                done.append(existing.to_json())
                continue
            if existing is not None:
                api.proxies.remove(existing.name)
            await api.proxies.add(proxy)
            for toxic in toxics:  # extension: toxics inside populate entries and --config files
                if not isinstance(toxic, dict):
                    raise ApiError("bad request body: each toxic must be an object", 400)
                proxy.toxics.add(toxic)
            done.append(proxy.to_json())
    except ApiError as e:
        e.extra = {"proxies": done}
        raise
    return json_response({"proxies": done or None}, 201)


async def get_proxy(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    return json_response(api.proxies.get(args["proxy"]).to_json())


def differs(proxy: Proxy, listen: str, upstream: str) -> bool:
    from harness.stack.net import split_host_port

    if upstream != proxy.upstream:
        return True
    try:
        import socket

        h1, p1 = split_host_port(listen)
        h2, p2 = split_host_port(proxy.listen)
        a1 = socket.getaddrinfo(h1 or None, p1, type=socket.SOCK_STREAM)[0][4][:2]
        a2 = socket.getaddrinfo(h2 or None, p2, type=socket.SOCK_STREAM)[0][4][:2]
        return bool(a1 != a2)
    except (OSError, ValueError):
        return listen != proxy.listen


async def update_proxy(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    proxy = api.proxies.get(args["proxy"])
    body = await read_object(request, "proxy.Proxy")
    listen = field(body, "listen", str, "proxy.Proxy") or proxy.listen
    upstream = field(body, "upstream", str, "proxy.Proxy") or proxy.upstream
    enabled = field(body, "enabled", bool, "proxy.Proxy")
    enabled = proxy.enabled if enabled is None else enabled
    if differs(proxy, listen, upstream):
        proxy.stop()
        proxy.listen, proxy.upstream = listen, upstream
        if enabled:
            try:
                await proxy.start()
            except ApiError:
                proxy.enabled = False
                raise
    elif enabled and not proxy.enabled:
        await proxy.start()
    elif not enabled and proxy.enabled:
        proxy.stop()
    return json_response(proxy.to_json())


async def delete_proxy(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    api.proxies.remove(args["proxy"])
    return no_content()


async def list_toxics(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    return json_response([t.to_json() for t in api.proxies.get(args["proxy"]).toxics.all()])


async def create_toxic(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    proxy = api.proxies.get(args["proxy"])
    toxic = proxy.toxics.add(await read_object(request, "toxics.ToxicWrapper"))
    return json_response(toxic.to_json())


async def get_toxic(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    toxic = api.proxies.get(args["proxy"]).toxics.find(args["toxic"])
    if toxic is None:
        raise api_error(("toxic not found", 404))
    return json_response(toxic.to_json())


async def update_toxic(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    proxy = api.proxies.get(args["proxy"])
    if proxy.toxics.find(args["toxic"]) is None:
        raise api_error(("toxic not found", 404))
    toxic = proxy.toxics.update(args["toxic"], await read_object(request, "toxics.ToxicWrapper"))
    return json_response(toxic.to_json())


async def delete_toxic(request: web.Request, api: Api, args: dict[str, str]) -> web.Response:
    api.proxies.get(args["proxy"]).toxics.remove(args["toxic"])
    return no_content()


async def reset(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    await api.proxies.reset()
    return no_content()


async def version(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    return web.Response(body=json.dumps({"version": VERSION}).encode() + b"\n",
                        headers={"Content-Type": "application/json;charset=utf-8"})


async def metrics(request: web.Request, api: Api, _: dict[str, str]) -> web.Response:
    lines = ["# HELP toxiproxy_proxy_received_bytes_total The total bytes received on a given proxy link",
             "# TYPE toxiproxy_proxy_received_bytes_total counter"]
    for p in api.proxies.proxies.values():
        for direction, n in p.bytes_total.items():
            lines.append(f'toxiproxy_proxy_received_bytes_total{{direction="{direction}",listener="{p.listen}",'
                         f'proxy="{p.name}",upstream="{p.upstream}"}} {n}')
    lines += ["# HELP toxiproxy_proxy_connections Active client connections of a proxy (pool-harness extension)",
              "# TYPE toxiproxy_proxy_connections gauge"]
    for p in api.proxies.proxies.values():
        lines.append(f'toxiproxy_proxy_connections{{proxy="{p.name}"}} {len(p.connections)}')
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


# -- the routes table -------------------------------------------------------------------------
SEGMENT = r"(?P<{}>[^/]+)"
ROUTES: list[tuple[re.Pattern[str], dict[str, Handler]]] = [
    (re.compile(r"^/proxies$"), {"GET": list_proxies, "POST": create_proxy}),
    (re.compile(r"^/populate$"), {"POST": populate}),
    (re.compile(rf"^/proxies/{SEGMENT.format('proxy')}$"),
     {"GET": get_proxy, "POST": update_proxy, "PATCH": update_proxy, "DELETE": delete_proxy}),
    (re.compile(rf"^/proxies/{SEGMENT.format('proxy')}/toxics$"), {"GET": list_toxics, "POST": create_toxic}),
    (re.compile(rf"^/proxies/{SEGMENT.format('proxy')}/toxics/{SEGMENT.format('toxic')}$"),
     {"GET": get_toxic, "POST": update_toxic, "PATCH": update_toxic, "DELETE": delete_toxic}),
    (re.compile(r"^/reset$"), {"POST": reset}),
    (re.compile(r"^/version$"), {"GET": version}),
]
METRICS_ROUTE = re.compile(r"^/metrics$")


def request_id() -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuv"  # xid's base32hex
    return "".join(secrets.choice(alphabet) for _ in range(20))


def make_app(api: Api) -> web.Application:
    async def dispatch(request: web.Request) -> web.StreamResponse:
        response = await route(request)
        response.headers["X-Toxiproxy-Request-Id"] = request_id()
        return response

    async def route(request: web.Request) -> web.StreamResponse:
        path = request.path
        handlers: dict[str, Handler] | None = None
        args: dict[str, str] = {}
        for pattern, table in ROUTES:
            m = pattern.match(path)
            if m:
                handlers, args = table, m.groupdict()
                break
        if handlers is None and api.metrics_enabled and METRICS_ROUTE.match(path):
            handlers = {request.method: metrics}
        if handlers is None:
            return web.Response(status=404, text="404 page not found\n", content_type="text/plain")
        if request.headers.get("User-Agent", "").startswith("Mozilla/"):
            return web.Response(status=403, text="User agent not allowed\n", content_type="text/plain")
        handler = handlers.get(request.method)
        if handler is None:
            return web.Response(status=405)
        try:
            return await asyncio.wait_for(handler(request, api, args), HANDLER_TIMEOUT_S)
        except ApiError as e:
            return error_response(e)
        except TimeoutError:
            return web.Response(status=503, text=TIMEOUT_BODY, content_type="text/html")

    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", dispatch)
    return app
