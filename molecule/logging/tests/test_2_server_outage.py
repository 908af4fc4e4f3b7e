"""The log server is stopped for 60 s while both clients log 5,000 numbered
lines each; once it is back every line arrives. RELP delivers at least once,
so duplicates are counted and reported (.work/logs/logging-outage.json)."""
import json
import os
import threading
import time

from conftest import CLIENTS, SERVER, node, remote_file, wait_for

PER_CLIENT = 5000
OUTAGE_S = 60
# ~110 lines/s per client: well under journald's 10,000 per 30 s.
SEND = ("python3 -c \"import syslog, time\n"
        "syslog.openlog('hastack-seq')\n"
        "for i in range({count}):\n"
        "    syslog.syslog('seq {host} %05d' % i)\n"
        "    time.sleep(0.009)\"")


def numbers_on_server(host):
    # The live file and any rotated one (the daily rotation may fall in the test).
    out = node(SERVER).run("zgrep -ohE 'seq %s [0-9]{5}' %s* 2>/dev/null", host, remote_file(host, "hastack-seq")).stdout
    return [int(line.rsplit(" ", 1)[1]) for line in out.splitlines()]


def delivery_state(host):
    """What the server holds of host's lines, and the client's queue and rsyslog log."""
    numbers = numbers_on_server(host)
    box = node(host)
    return "%s: %d lines on the server (%d unique); queue files: %s; rsyslog says:\n%s" % (
        host, len(numbers), len(set(numbers)), box.run("ls /var/spool/rsyslog | tr '\\n' ' '").stdout,
        box.run("journalctl -u rsyslog --no-pager -n 10 -o short-precise;"
                " grep -hs rsyslogd /var/log/syslog /var/log/messages | tail -n 20;"
                " journalctl -u systemd-journald --no-pager -o cat | grep -i missed").stdout)


def test_every_line_logged_while_the_server_is_down_arrives():
    server = node(SERVER)
    # The socket too: journald's forwarding would start rsyslog again through it.
    server.run_expect([0], "systemctl stop syslog.socket rsyslog.service")
    stopped = time.monotonic()
    spilled = {}

    def send(host):
        node(host).run_expect([0], SEND.format(count=PER_CLIENT, host=host))
        # More than the memory queue holds: part of it waits on disk.
        spilled[host] = node(host).run("ls /var/spool/rsyslog | grep -c '^hastack_forward'").stdout.strip()

    senders = [threading.Thread(target=send, args=(host,)) for host in CLIENTS]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=OUTAGE_S + 60)
    assert not any(sender.is_alive() for sender in senders), "sending 5,000 lines took over 2 min"
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
    assert numbers_on_server(CLIENTS[0]) == [], "the server wrote while it was stopped"
    server.run_expect([0], "systemctl start syslog.socket rsyslog.service")
    restarted = time.monotonic()

    def complete():
        return all(len(set(numbers_on_server(host))) == PER_CLIENT for host in CLIENTS)

    try:
        # Generous: RELP's reconnect backs off, and a loaded CI run has been slow to catch up.
        wait_for(complete, "every numbered line on the server", timeout=480, every=2)
    except AssertionError as error:
        raise AssertionError("%s\n%s" % (error, "\n".join(delivery_state(host) for host in CLIENTS))) from None
    report = {"outage_s": OUTAGE_S, "caught_up_s": round(time.monotonic() - restarted, 1), "clients": {}}
    for host in CLIENTS:
        numbers = numbers_on_server(host)
        report["clients"][host] = {"sent": PER_CLIENT, "received": len(numbers), "unique": len(set(numbers)),
                                   "duplicates": len(numbers) - len(set(numbers)), "queue_files_on_disk": spilled[host]}
    # Kept with make test's logs, which outlive the scenario.
    logs = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs")
    os.makedirs(logs, exist_ok=True)
    with open(os.path.join(logs, "logging-outage.json"), "w") as handle:
        json.dump(report, handle, indent=2)
    print("log server outage:", json.dumps(report))
    for host in CLIENTS:
        assert sorted(set(numbers_on_server(host))) == list(range(PER_CLIENT))
        assert int(spilled[host]) > 0, "%s's queue never spilled to disk" % host
