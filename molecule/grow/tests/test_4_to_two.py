"""One -> two: PostgreSQL moves to a host of its own, each step an edit of the inventory and a run,
while a writer and a reader go through the app's public address the whole time.

1. db1 joins the db group (the consensus store stays on one1, named in a dcs group): site.yml
   clones a replica onto it; haproxy, which the app reaches its database through, adds it.
2. switchover.yml hands the primary to db1: the only step that interrupts.
3. one1 leaves the db group: retire.yml stops its Patroni, then site.yml rewrites the rest
   (pgBackRest's repository on one1 now backs up db1 over SSH).

After each step site.yml runs again and changes nothing, and no acknowledged note is missing.
Interruptions and times go to .work/logs/grow-figures.txt, never asserted on."""
import json
import os
import time

import pytest

from conftest import ADDRESS, HOST, hosts_with_changes, node, run_playbook, shape_inventory, wait_for
from http_load import Load
from http_writer import NoteWriter

FIGURES = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], ".work", "logs", "grow-figures.txt")
NEW_DB = "db1"
ONE = [HOST]
# The one shape's inventory with db1 added to the db group; then with one1 taken out of it.
MOVING = shape_inventory("moving", {"db": [HOST, NEW_DB], "dcs": ONE})
TWO = shape_inventory("two", {"db": [NEW_DB], "dcs": ONE})


@pytest.fixture(scope="module")
def traffic():
    """The writer and the reader, through haproxy on one1's own address, for the whole module."""
    with Load(ADDRESS, "/", rate=4, threads=2, max_seconds=1800, timeout=5) as reader, \
            NoteWriter(ADDRESS, rate=4, max_seconds=1800, prefix="grow") as writer:
        yield reader, writer


def measured(traffic, what, playbook, *args, inventory):
    """Run a playbook as one step; record its time and the interruption it caused."""
    reader, writer = traffic
    mark = time.monotonic()
    rc, output = run_playbook(playbook, *args, inventory=inventory, all_hosts_up=True)
    figures = dict(what=what, seconds=round(time.monotonic() - mark, 1), rc=rc,
                   writes=writer.since(mark), reads=reader.since(mark))
    with open(FIGURES, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(figures) + "\n")
    return rc, output


def cluster():
    """[(member, role, state)], sorted by member, as Patroni on db1 (a member at every step) reports it."""
    view = node(NEW_DB).run("curl -s --max-time 5 --cacert /etc/hastack/tls/ca.crt https://%s:8009/cluster"
                            % node(NEW_DB).ansible.get_variables()["hastack_address"])
    assert view.rc == 0, view.stderr
    return sorted((member["name"], member["role"], member["state"]) for member in json.loads(view.stdout)["members"])


def unchanged(inventory):
    rc, output = run_playbook("site", inventory=inventory, all_hosts_up=True)
    assert rc == 0, output[-3000:]
    assert hosts_with_changes(output) == [], output[-3000:]


def test_a_replica_grows_on_the_new_host(traffic):
    rc, output = measured(traffic, "one -> two, 1: a replica on db1", "site", inventory=MOVING)
    assert rc == 0, output[-3000:]
    assert cluster() == [(NEW_DB, "replica", "streaming"), (HOST, "leader", "running")]
    unchanged(MOVING)


def test_the_old_host_may_not_leave_while_it_leads(traffic):
    rc, output = run_playbook("retire", "-e", "retire=%s" % HOST, inventory=TWO)
    assert rc != 0
    assert "%s cannot leave yet: the cluster's leader is %s" % (HOST, HOST) in output, output[-3000:]
    assert "Switch over to a host that stays first" in output
    assert node(HOST).service("patroni").is_running


def test_the_primary_moves_to_the_new_host(traffic):
    rc, output = measured(traffic, "one -> two, 2: switchover to db1", "switchover", "-e", "target=%s" % NEW_DB,
                          inventory=MOVING)
    assert rc == 0, output[-3000:]
    # The former primary restarts as a replica, then streams from db1.
    wait_for(lambda: cluster() == [(NEW_DB, "leader", "running"), (HOST, "replica", "streaming")],
             "one1 to stream from db1", timeout=120)


def test_the_old_host_leaves_the_database(traffic):
    rc, output = measured(traffic, "one -> two, 3: retire one1 from the db group", "retire", "-e",
                          "retire=%s" % HOST, inventory=TWO)
    assert rc == 0, output[-3000:]
    patroni = node(HOST).service("patroni")
    assert not patroni.is_running and not patroni.is_enabled
    assert cluster() == [(NEW_DB, "leader", "running")]
    rc, output = measured(traffic, "one -> two, 4: site.yml for the two shape", "site", inventory=TWO)
    assert rc == 0, output[-3000:]
    unchanged(TWO)


def test_the_backups_follow_the_database(traffic):
    config = node(HOST).file("/etc/pgbackrest/pgbackrest.conf").content_string
    # db1 is the only db host now: one1 keeps the repositories and reaches it over SSH.
    assert "pg1-host=%s" % node(NEW_DB).ansible.get_variables()["hastack_address"] in config
    assert "pg2-" not in config
    check = node(HOST).run("runuser -u postgres -- pgbackrest --stanza=main check")
    assert check.rc == 0, check.stderr


def test_no_acknowledged_note_is_lost_and_the_reader_was_answered(traffic):
    reader, writer = traffic
    acked = writer.acked_ids()
    assert len(acked) > 0
    missing = node(NEW_DB).check_output(
        "runuser -u postgres -- psql -XAt -d demo -c \"SELECT count(*) FROM unnest(ARRAY[%s]::bigint[]) AS acked(note) "
        "WHERE NOT EXISTS (SELECT 1 FROM notes WHERE notes.id = acked.note)\"" % ",".join(str(note) for note in acked))
    assert missing == "0"
    assert reader.since(reader.started)["requests"] > 0


def test_status_shows_the_two_shape(traffic):
    rc, output = run_playbook("status", inventory=TWO)
    assert rc == 0, output[-3000:]
    assert "shape: lb one1; app one1; db db1; dcs one1; logserver one1; backup one1; monitoring -" in output, \
        output[-3000:]
    assert "leader: db1" in output
