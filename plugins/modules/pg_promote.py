#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_promote
short_description: Promote a PostgreSQL standby to primary, refusing when that could split the brain
version_added: 0.1.0
description:
  - Promotes the local standby with C(pg_promote()), waits for the promotion to finish, runs a
    C(CHECKPOINT) (so pg_rewind can later read the new timeline from pg_control) and returns the new
    timeline and how long it took.
  - "Refuses, and changes nothing, when: the node is already a primary or not running; another
    writable primary can be reached among the peers the postgresql role wrote to
    C(/etc/hastack/pg-peers.json), unless O(old_primary_fenced=true); or the node holds less WAL than
    O(reference_lsn) by more than O(max_lag_bytes)."
extends_documentation_fragment:
  - hastack.platform.pg_node
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Runs every check, then reports that it would promote.
  diff_mode:
    support: none
    description: Nothing to show beyond the returned state.
options:
  old_primary_fenced:
    description:
      - The old primary is fenced (or known dead), so a peer that still answers as writable does not stop
        the promotion. The health agent already keeps a fenced node out of the read-write endpoint.
    type: bool
    default: false
  reference_lsn:
    description:
      - The last WAL position known to the old primary (its shutdown checkpoint, or the furthest any
        standby received). The node's lag is measured against it.
    type: str
  max_lag_bytes:
    description: Refuse when the node is further behind O(reference_lsn) (or its own upstream) than this.
    type: int
    default: 0
  catch_up_timeout:
    description:
      - Seconds to wait for the node to reach O(reference_lsn) before refusing. The old primary's last
        WAL may still be on its way when it has just stopped.
    type: int
    default: 5
  peers_file:
    description: The peer list (hosts, port, replication user and passfile) written by the postgresql role.
    type: path
    default: /etc/hastack/pg-peers.json
  wait_timeout:
    description: Seconds to wait for the promotion to finish.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Promote db2 once the old primary is fenced
  hastack.platform.pg_promote:
    old_primary_fenced: true
    reference_lsn: "{{ old_primary.shutdown_checkpoint_lsn }}"
  register: promoted
"""

RETURN = r"""
timeline:
  description: Timeline of the new primary.
  type: int
  returned: success, not in check mode
previous_timeline:
  description: Timeline the standby followed before.
  type: int
  returned: always
lsn:
  description: WAL position of the new primary right after its checkpoint.
  type: str
  returned: success, not in check mode
seconds:
  description: Time from the promotion request to the end of the checkpoint.
  type: float
  returned: success, not in check mode
lag_bytes:
  description: How far the node was behind O(reference_lsn) (or its upstream) when checked.
  type: int
  returned: always
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    NODE_ARGUMENT_SPEC,
    PgNodeError,
    connect,
    node_report,
    resolve_paths,
)


def refusals(params, report, writable):
    """Why this node must not be promoted now; empty when it may."""
    reasons = []
    if not report.get('running'):
        reasons.append('PostgreSQL is not running here; start it as a standby first (rejoin.yml).')
        return reasons
    if report.get('in_recovery') is False:
        reasons.append('This node is already the primary; nothing to promote.')
        return reasons
    if report.get('fenced'):
        reasons.append('This node is fenced (%s): it is waiting to rejoin, not to lead.' % report.get('data_directory'))
    if writable and not params['old_primary_fenced']:
        reasons.append('%s still answers as a writable primary. Fence it first (pg_fence, or failover.yml, which '
                       'does), or pass old_primary_fenced=true if it is fenced or dead.' % ', '.join(writable))
    lag = report_lag(params, report)
    if lag is not None and lag > params['max_lag_bytes']:
        reasons.append('This node is %d bytes behind %s, more than max_lag_bytes=%d: promoting it would lose '
                       'those commits. Wait for it to catch up or choose another standby.'
                       % (lag, params['reference_lsn'] or 'its upstream', params['max_lag_bytes']))
    return reasons


def report_lag(params, report):
    if params['reference_lsn']:
        return pg_ha.lag_behind(report, params['reference_lsn'])
    return report.get('lag_bytes')


def caught_up(params, report):
    """Wait up to catch_up_timeout seconds for the node to reach reference_lsn; return the last report."""
    latest = [report]

    def close_enough():
        latest[0] = node_report(params)
        return (report_lag(params, latest[0]) or 0) <= params['max_lag_bytes']

    pg_ha.wait_until(close_enough, params['catch_up_timeout'], interval=0.2)
    return latest[0]


def main():
    argument_spec = dict(
        NODE_ARGUMENT_SPEC,
        old_primary_fenced=dict(type='bool', default=False),
        reference_lsn=dict(type='str'),
        catch_up_timeout=dict(type='int', default=5),
        max_lag_bytes=dict(type='int', default=0),
        peers_file=dict(type='path', default=pg_ha.PEERS_FILE),
        wait_timeout=dict(type='int', default=60),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        report = node_report(params)
        if params['reference_lsn'] and (report_lag(params, report) or 0) > params['max_lag_bytes']:
            report = caught_up(params, report)
        writable = [] if params['old_primary_fenced'] else pg_ha.writable_peers(pg_ha.load_peers(params['peers_file']))
        reasons = refusals(params, report, writable)
        result = dict(changed=False, previous_timeline=report.get('timeline'), lag_bytes=report_lag(params, report))
        if reasons:
            raise PgNodeError(' '.join(reasons))
        result['changed'] = True
        if not module.check_mode:
            started = time.monotonic()
            conn = connect(params)
            try:
                row = pg_ha.promote(conn, params['wait_timeout'])
            finally:
                conn.close()
            result.update(timeline=row['timeline'], lsn=row['lsn'], seconds=round(time.monotonic() - started, 3))
            # As the postgresql role writes it for a primary, so that site.yml sees no change.
            paths = resolve_paths(params)
            if paths is not None:
                pg_ha.write_replication_conf(paths, pg_ha.PRIMARY_REPLICATION_CONF_TEXT)
    except PgNodeError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
