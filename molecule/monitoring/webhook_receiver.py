"""A test's webhook: appends each POSTed JSON body as one line to a file."""
import http.server
import json
import sys
import time

OUT = sys.argv[2]


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(OUT, 'a') as handle:
            handle.write(json.dumps(dict(json.loads(body), received_at=time.time())) + '\n')
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Receiver).serve_forever()
