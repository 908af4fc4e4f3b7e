#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: patroni_switchover
short_description: Hand the Patroni leader lease to a healthy replica, or force a failover
version_added: 0.1.0
description:
  - With O(mode=switchover), makes the checks a careful operator makes first, then asks Patroni to switch over
    (C(POST /switchover) with the leader and the candidate) and waits until the candidate holds the leader lease
    and runs. Refuses, and changes nothing, unless a leader exists and runs, and the target is a replica that
    streams from it, is not tagged C(nofailover), is on the leader's timeline, is at most O(max_lag_bytes) behind,
    is a synchronous standby when C(synchronous_mode=on), and the cluster is not paused (unless O(allow_paused=true)).
  - Without O(target), picks the best replica (synchronous or quorum standbys first, then the lowest lag).
  - With O(mode=failover), forces a failover (C(POST /failover)) to O(target), for when automatic failover is
    paused or cannot act. Patroni skips its own checks when there is no leader, so this refuses a candidate that
    may miss acknowledged commits (outside the synchronous or quorum set, or behind another quorum standby, or, with
    no such set, behind the leader's last recorded WAL position), or is on an older timeline, unless
    O(allow_data_loss=true).
  - Nothing changes when O(target) already holds the lease, or the same switchover is already scheduled.
author: hastack.platform maintainers (@hastack)
extends_documentation_fragment:
  - hastack.platform.patroni_api
attributes:
  check_mode:
    support: full
    description: Reads the cluster and makes every check, then reports the candidate it would hand the lease to.
  diff_mode:
    support: none
    description: The returned leaders and timelines say what changed.
options:
  mode:
    description: C(switchover) needs a running leader; C(failover) promotes O(target) whatever the leader does.
    type: str
    choices: [switchover, failover]
    default: switchover
  target:
    description: Patroni name of the member to promote. Empty means the best candidate.
    type: str
  max_lag_bytes:
    description: In a switchover, refuse a target further behind the leader. Defaults to the cluster's C(maximum_lag_on_failover).
    type: int
  allow_paused:
    description: Switch over although automatic failover is paused (maintenance mode).
    type: bool
    default: false
  allow_data_loss:
    description: In a failover, promote a candidate that may miss acknowledged commits or is on an older timeline.
    type: bool
    default: false
  scheduled_at:
    description:
      - ISO 8601 time with zone (C(2026-12-01T02:00+00:00)) at which Patroni switches over; the module returns once
        it is scheduled. Without O(target), Patroni chooses the candidate at that time. Not with O(mode=failover).
    type: str
  wait_timeout:
    description: Seconds to wait for the new leader to hold the lease and run.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Switch over to the best replica
  hastack.platform.patroni_switchover:
    endpoints: [https://db1.example:8008, https://db2.example:8008, https://db3.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"
  register: switched

- name: Force a failover to db2 while automatic failover is paused
  hastack.platform.patroni_switchover:
    mode: failover
    target: db2
    endpoints: [https://db2.example:8008, https://db3.example:8008]
    ca_file: /etc/hastack/tls/ca.crt
    username: patroni
    password: "{{ vault_patroni_restapi_password }}"
"""

RETURN = r"""
mode:
  description: C(switchover) or C(failover).
  type: str
  returned: always
candidate:
  description: The member the lease goes (or would go) to; null for a scheduled switchover that leaves the choice to Patroni.
  type: str
  returned: always
previous_leader:
  description: The lease holder before; null when there was none.
  type: str
  returned: always
leader:
  description: The lease holder after (unchanged in check mode and for a scheduled switchover).
  type: str
  returned: always
timeline_before:
  description: Timeline of the leader before.
  type: int
  returned: always
timeline_after:
  description: Timeline of the leader after.
  type: int
  returned: always
scheduled_at:
  description: When the scheduled switchover runs; null for an immediate one.
  type: str
  returned: always
"""

from ansible_collections.hastack.platform.plugins.module_utils.patroni_api import (
    api_module,
    PatroniApiError,
    PatroniClient,
    failover_refusals,
    read_cluster,
    same_schedule,
    switchover_refusals,
    takeover,
)


def plan(params, view):
    """(changed, candidate) or PatroniApiError with every reason to refuse."""
    target = params['target'] or None
    if target and target == view['leader'] and view['leader_state'] == 'running':
        return False, target
    if params['mode'] == 'failover':
        if params['scheduled_at']:
            raise PatroniApiError('A failover cannot be scheduled: use mode=switchover with scheduled_at.')
        candidate, reasons = failover_refusals(view, target, params['allow_data_loss'])
    else:
        pending = view.get('scheduled_switchover')
        if pending and same_schedule(pending, view['leader'], target, params['scheduled_at']):
            return False, target
        candidate, reasons = switchover_refusals(view, target, params['max_lag_bytes'], params['allow_paused'],
                                                 params['scheduled_at'])
    if reasons:
        raise PatroniApiError('Refusing the %s%s: %s' % (params['mode'], ' to %s' % candidate if candidate else '',
                                                         ' '.join(reasons)))
    return True, candidate


def main():
    module = api_module(
        mode=dict(type='str', choices=['switchover', 'failover'], default='switchover'),
        target=dict(type='str'),
        max_lag_bytes=dict(type='int'),
        allow_paused=dict(type='bool', default=False),
        allow_data_loss=dict(type='bool', default=False),
        scheduled_at=dict(type='str'),
        wait_timeout=dict(type='int', default=60),
    )
    params = module.params
    try:
        client = PatroniClient.from_params(params)
        view = read_cluster(client)[0]
        result = dict(changed=False, mode=params['mode'], candidate=None, previous_leader=view['leader'],
                      leader=view['leader'], timeline_before=view['timeline'], timeline_after=view['timeline'],
                      scheduled_at=params['scheduled_at'])
        changed, candidate = plan(params, view)
        # A scheduled switchover without a target leaves the choice to Patroni at that time.
        result.update(changed=changed, candidate=None if params['scheduled_at'] and not params['target'] else candidate)
        if changed and not module.check_mode:
            after = takeover(client, view, params['mode'], result['candidate'], params['wait_timeout'],
                             params['scheduled_at'])
            result.update(leader=after['leader'], timeline_after=after['timeline'])
    except PatroniApiError as exc:
        module.fail_json(msg=str(exc), url=exc.url, status=exc.status)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
