"""One chatty host cannot fill the log server's disk: web1 logs past its
2 MB cap (rsyslog_host_max_size in molecule.yml) and the timer cuts its
directory back, while web2's logs stay as they were and web1 goes on logging."""
import uuid

from conftest import REMOTE, SERVER, node, relp_probe, remote_file, server_grep, wait_for

CAP = 2 * 1024 * 1024
# 3,000 lines of 1.5 kB (about 4.5 MB), bounded in count and in time (60 s),
# into a second rsyslogd on web1 that sends as web1 does (its address and
# certificate): journald would drop lines on a busy machine.
FLOOD = ("python3 -c \"import socket, time\n"
         "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
         "start = time.monotonic()\n"
         "for i in range(3000):\n"
         "    s.sendto(('<13>hastack-flood: flood %05d ' % i + 'x' * 1500).encode(), '{socket}')\n"
         "    if time.monotonic() - start > 60:\n"
         "        break\"")


def used(host):
    """Disk used by host's directory on the server, in bytes (as the cap counts it)."""
    return int(node(SERVER).run_expect([0], "du -s -B1 %s/%s", REMOTE, host).stdout.split()[0])


def test_a_host_over_its_cap_is_cut_back_and_no_other_host_is_touched():
    server = node(SERVER)
    keep = uuid.uuid4().hex
    node("web2").run_expect([0], "logger -t hastack-test keep-%s", keep)
    wait_for(lambda: server_grep(keep, remote_file("web2", "hastack-test")), "web2's message")
    # Held while web1 floods, so that the test sees it over its cap first.
    server.run_expect([0], "systemctl stop hastack-remote-cap.timer")
    try:
        web2_before = used("web2")
        with relp_probe("web1") as send:
            node("web1").run_expect([0], FLOOD.format(socket=send.socket))
            wait_for(lambda: used("web1") > CAP, "web1's flood over its cap on the server", timeout=120, every=1)
    finally:
        since = server.run_expect([0], "date +%s").stdout.strip()
        server.run_expect([0], "systemctl start hastack-remote-cap.timer")
    wait_for(lambda: used("web1") <= CAP, "the timer to cut web1 back under its cap", timeout=60, every=1)
    journal = server.run("journalctl -u hastack-remote-cap.service --since @%s --no-pager -o cat", since).stdout
    assert "web1 over its cap of %d bytes" % CAP in journal, journal[-1000:]
    assert "web2 over" not in journal and "log1 over" not in journal
    assert server_grep(keep, remote_file("web2", "hastack-test")), "web2's line is gone"
    assert used("web2") >= web2_before
    # web1 is capped, not cut off: its next message is stored.
    after = uuid.uuid4().hex
    node("web1").run_expect([0], "logger -t hastack-flood after-cap-%s", after)
    wait_for(lambda: server_grep(after, remote_file("web1", "hastack-flood")), "web1's message after the cap")
    # rsyslog appends: it wrote at the new end of the emptied file, leaving no hole.
    assert server.file(remote_file("web1", "hastack-flood")).size < CAP
