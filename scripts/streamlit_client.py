"""A simulated visitor: Streamlit's own websocket protocol, without a browser.

A browser tab talks to ``streamlit run`` over one websocket, ``/_stcore/stream``,
in protobuf messages (``streamlit.proto``): it sends ``BackMsg``s and receives
``ForwardMsg``s. This module speaks the few that a visitor needs:

- **Open a page**: connect, then send ``BackMsg.rerun_script`` with the page's
  URL path as ``page_name`` and the link's ``query_string`` (no page hash yet:
  the server resolves the path the way it does for a fresh tab). The server
  answers with ``new_session``, ``navigation`` (the pages, and the
  ``page_script_hash`` of the one that runs: later reruns name it), the run's
  ``delta``s (elements), ``page_info_changed`` when the app rewrites the
  query, and finally ``script_finished``.
- **Press a button**: the button's element (``Element.button``) carries its
  widget ``id``; a rerun with ``WidgetState(id, trigger_value=True)`` presses it.
  Other widgets are not sent: the server keeps their last values.
- **Watch a fragment**: ``st.fragment(run_every=…)`` makes the server send
  ``auto_rerun(interval, fragment_id)``; the *browser* then asks for a fragment
  rerun (``fragment_id``, ``is_auto_rerun``) every ``interval`` seconds, until a
  full run starts (``new_session`` without fragment ids) or ``stop_auto_rerun``
  names the fragment. :class:`Visitor` keeps those timers exactly so.

Messages the server would send as a reference to one the browser cached
(``ref_hash``) never come: this client reports no cached messages, so each
message arrives in full (slightly more work for the server than a real tab).

Usage::

    async with Visitor("http://127.0.0.1:8501") as visitor:
        seconds = await visitor.open("train", "preset=recommended&epochs=2")
        await visitor.click("Train both runs")
        await visitor.wait_for_text("final validation accuracy", timeout=120)
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus
MAX_MESSAGE_BYTES = 256 * 2**20  # what this client accepts; the server's own limit is server.maxMessageSize


class VisitorError(RuntimeError):
    """The app did something a visitor would notice: an exception box, a compile error, a lost connection."""


@dataclass
class Shown:
    """One element on the visitor's screen: its kind (``markdown``, ``button``…) and the text it shows."""

    kind: str
    text: str
    widget_id: str = ""
    run: int = 0  # the full run that last drew it (fragment reruns draw into the latest one)


@dataclass
class Traffic:
    """What the visitor received: message count, bytes, and the largest single message."""

    messages: int = 0
    bytes: int = 0
    largest: int = 0
    largest_kind: str = ""


@dataclass
class _Page:
    script_hash: str = ""
    query: str = ""
    elements: dict[tuple[int, ...], Shown] = field(default_factory=dict)


def _text_of(element) -> tuple[str, str, str]:
    """(kind, visible text, widget id) of an ``Element`` protobuf: its top-level string fields, joined."""
    kind = element.WhichOneof("type") or ""
    if not kind:
        return "", "", ""
    inner = getattr(element, kind)
    parts, widget_id = [], ""
    for descriptor, value in inner.ListFields():
        if descriptor.name == "id":
            widget_id = value
        elif descriptor.name in {"label", "body", "text", "value", "message", "placeholder"} and isinstance(value, str):
            parts.append(value)
    return kind, "\n".join(parts), widget_id


class Visitor:
    """One simulated browser tab on a running Streamlit app.

    Parameters
    ----------
    base_url : str
        ``http://host:port`` of the server (``ws://`` is derived from it).
    locale : str
        The browser language sent with each run (``st.context.locale``).
    """

    def __init__(self, base_url: str, locale: str = "en-US") -> None:
        parts = urlsplit(base_url)
        self.stream_url = f"ws://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.base_url = base_url.rstrip("/")
        self.locale = locale
        self.traffic = Traffic()
        self.errors: list[str] = []  # exception boxes the app drew (their first line)
        self.auto_reruns = 0  # fragment reruns this visitor asked for on a timer
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._page = _Page()
        self._path = ""
        self._full_runs = 0  # full runs finished successfully so far
        self._serial = 0  # full runs started so far
        self._changed = asyncio.Event()
        self._closed_reason: str | None = None

    async def __aenter__(self) -> Visitor:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    # --- what the visitor does ---------------------------------------------------------------------

    async def open(self, path: str = "", query: str | dict[str, object] = "", timeout: float = 60) -> float:
        """Open ``/path?query`` in a new connection; returns the seconds until its first run finished.

        The time counts from the websocket handshake to ``script_finished``
        (the static files a browser would also fetch are not included).
        """
        started = time.perf_counter()
        if self._socket is None:
            self._socket = await websockets.connect(self.stream_url, subprotocols=["streamlit"],
                                                    max_size=MAX_MESSAGE_BYTES, open_timeout=timeout,
                                                    ping_interval=None)
            self._reader = asyncio.create_task(self._read())
        self._path = path.strip("/")
        self._page = _Page(query=query if isinstance(query, str) else urlencode(query))
        await self._finish(lambda: self._rerun(page_name=self._path), timeout)
        return time.perf_counter() - started

    async def click(self, label: str, timeout: float = 60) -> float:
        """Press the button whose label contains ``label``; returns the seconds until that run finished."""
        buttons = [shown for shown in self._page.elements.values() if shown.kind == "button" and label in shown.text]
        if not buttons:
            raise VisitorError(f"no button labelled {label!r} on /{self._path}")
        started = time.perf_counter()
        await self._finish(lambda: self._rerun(triggers=[buttons[0].widget_id]), timeout)
        return time.perf_counter() - started

    async def wait_for_text(self, text: str, timeout: float = 60) -> float:
        """Keep watching (auto-reruns included) until an element shows ``text``; returns the seconds waited."""
        started = time.perf_counter()
        deadline = started + timeout
        while not self.shows(text):
            self._raise_if_broken()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise VisitorError(f"/{self._path} did not show {text!r} within {timeout:g} s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 1.0))
            except asyncio.TimeoutError:
                pass
        return time.perf_counter() - started

    def shows(self, text: str) -> bool:
        """Whether an element on screen shows ``text`` (as in a browser, a running rerun's old elements count)."""
        return any(text in shown.text for shown in self._page.elements.values())

    def texts(self) -> list[str]:
        """The texts on screen, in delta-path order."""
        return [self._page.elements[path].text for path in sorted(self._page.elements)
                if self._page.elements[path].text]

    @property
    def query(self) -> str:
        """The page's query string as the app last set it."""
        return self._page.query

    @property
    def auto_rerun_fragments(self) -> list[str]:
        """The fragments this visitor currently reruns on a timer."""
        return list(self._timers)

    async def close(self) -> None:
        """Stop the timers and close the websocket (the server then ends the session)."""
        for _interval, timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._socket is not None:
            await self._socket.close()
            self._socket = None
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing anyway
                pass
            self._reader = None

    # --- the protocol ------------------------------------------------------------------------------

    async def _rerun(self, page_name: str = "", triggers: list[str] = (), fragment_id: str = "",
                     auto: bool = False) -> None:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self._page.query
        state.page_script_hash = self._page.script_hash
        if not self._page.script_hash:
            state.page_name = page_name
        for widget_id in triggers:
            widget = state.widget_states.widgets.add()
            widget.id = widget_id
            widget.trigger_value = True
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = auto
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, self.locale
        info.url = f"{self.base_url}/{self._path}" + (f"?{self._page.query}" if self._page.query else "")
        info.color_scheme = "light"
        await self._socket.send(message.SerializeToString())

    async def _finish(self, send, timeout: float) -> None:
        """Send a rerun request and wait until a full run that began after it has finished."""
        runs_before = self._full_runs
        await send()
        deadline = time.perf_counter() + timeout
        while self._full_runs == runs_before:
            self._raise_if_broken()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise VisitorError(f"/{self._path}: no finished run within {timeout:g} s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 1.0))
            except asyncio.TimeoutError:
                pass
        self._raise_if_broken()

    def _raise_if_broken(self) -> None:
        if self._closed_reason is not None:
            raise VisitorError(self._closed_reason)

    async def _read(self) -> None:
        try:
            async for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                kind = message.WhichOneof("type") or ""
                self.traffic.messages += 1
                self.traffic.bytes += len(data)
                if len(data) > self.traffic.largest:
                    self.traffic.largest, self.traffic.largest_kind = len(data), kind
                self._handle(message, kind)
                self._changed.set()
        except websockets.ConnectionClosed as closed:
            self._closed_reason = f"connection closed by the server ({closed})"
        except Exception as error:  # noqa: BLE001 - reported to whoever waits
            self._closed_reason = f"client error: {error!r}"
        else:
            self._closed_reason = "connection closed"
        self._changed.set()

    def _handle(self, message: ForwardMsg, kind: str) -> None:
        if kind == "new_session":
            if not message.metadata.run.fragment_ids:  # a full run: the browser drops every timer
                self._serial += 1
                for _interval, timer in self._timers.values():
                    timer.cancel()
                self._timers.clear()
        elif kind == "navigation":  # st.navigation names the page it runs (new_session names app.py)
            self._page.script_hash = message.navigation.page_script_hash
        elif kind == "page_not_found":
            self.errors.append(f"page not found: /{self._path}")
        elif kind == "page_info_changed":
            self._page.query = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element_kind, text, widget_id = _text_of(message.delta.new_element)
            path = tuple(message.metadata.delta_path)
            self._page.elements[path] = Shown(element_kind, text, widget_id, self._serial)
            if element_kind == "exception":
                self.errors.append(text.splitlines()[0] if text else "exception")
        elif kind == "auto_rerun":
            self._start_timer(message.auto_rerun.fragment_id, message.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self._stop_timer(fragment_id)
        elif kind == "script_finished":
            status = message.script_finished
            if status == FINISHED.FINISHED_SUCCESSFULLY:
                self._full_runs += 1
                # Elements this run did not draw again are gone from the screen.
                self._page.elements = {path: shown for path, shown in self._page.elements.items()
                                       if shown.run == self._serial}
            elif status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                self._closed_reason = f"/{self._path}: the script did not compile"

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or self._timers.get(fragment_id, (None,))[0] == interval:
            return
        self._stop_timer(fragment_id)

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                self.auto_reruns += 1
                await self._rerun(fragment_id=fragment_id, auto=True)

        self._timers[fragment_id] = (interval, asyncio.create_task(tick()))

    def _stop_timer(self, fragment_id: str) -> None:
        entry = self._timers.pop(fragment_id, None)
        if entry is not None:
            entry[1].cancel()
