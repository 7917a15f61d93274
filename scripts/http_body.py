"""The request body of a http.server handler, for the local stand-ins
(scripts/notify-standin.py, scripts/moderngov-standin.py): wasi:http clients
may send `Transfer-Encoding: chunked` instead of a Content-Length, which
http.server does not decode itself."""


def read_body(handler):
    """The whole body of the request `handler` (a BaseHTTPRequestHandler) is serving."""
    if "chunked" in (handler.headers.get("transfer-encoding") or "").lower():
        # RFC 9112 section 7.1: size line, data, CRLF; a zero size ends it, then
        # optional trailer fields and an empty line.
        data = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return data
            data += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("content-length") or 0))
