"""App stand-in for the frontdoor scenario: answers every path with its host
name, the path and the scheme haproxy saw (X-Forwarded-Proto)."""
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        proto = self.headers.get('X-Forwarded-Proto', '-')
        body = ('%s %s %s\n' % (socket.gethostname(), self.path, proto)).encode()
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass


server = ThreadingHTTPServer(('0.0.0.0', 8000), Handler)
server.daemon_threads = True
server.serve_forever()
