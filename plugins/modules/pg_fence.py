#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_fence
short_description: Fence a PostgreSQL node and stop it cleanly, or lift the fence
version_added: 0.1.0
description:
  - O(state=fenced) marks the node fenced, so that the health agent stops calling it primary at once
    and the start guard never starts it as a primary again; then, with O(stop=true), runs a
    C(CHECKPOINT) on a running primary and stops it (fast mode), and reports the shutdown checkpoint
    LSN from C(pg_controldata). A standby that has received that LSN holds every commit the old primary
    acknowledged.
  - O(state=unfenced) removes the mark. P(hastack.platform.pg_standby#module) does so once the node
    streams as a standby.
  - The mark is a file outside the data directory, so pg_basebackup and pg_rewind never copy it.
extends_documentation_fragment:
  - hastack.platform.pg_node
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Reports what it would do and does nothing.
  diff_mode:
    support: none
    description: Nothing to show beyond the returned state.
options:
  state:
    description: Whether the node should be fenced.
    type: str
    choices: [fenced, unfenced]
    default: fenced
  stop:
    description: With O(state=fenced), also stop a running server and wait for a clean shutdown.
    type: bool
    default: true
  reason:
    description: Written into the fence file, for whoever finds it.
    type: str
    default: fenced by hastack.platform
  stop_timeout:
    description: Seconds to wait for the server to stop.
    type: int
    default: 120
"""

EXAMPLES = r"""
- name: Fence the old primary and stop it cleanly
  hastack.platform.pg_fence:
    reason: switchover to db2
  register: old_primary

- name: Show the shutdown checkpoint every standby must reach
  ansible.builtin.debug:
    var: old_primary.shutdown_checkpoint_lsn
"""

RETURN = r"""
fenced:
  description: Whether the node is fenced now.
  type: bool
  returned: always
was_running:
  description: Whether PostgreSQL was running before.
  type: bool
  returned: always
was_primary:
  description: Whether it was running as a primary.
  type: bool
  returned: always
shutdown_checkpoint_lsn:
  description: Latest checkpoint location after the stop (the shutdown checkpoint after a clean stop).
  type: str
  returned: when stopped
clean:
  description: Whether pg_controldata says the cluster was shut down cleanly.
  type: bool
  returned: when stopped
timeline:
  description: Timeline of the latest checkpoint.
  type: int
  returned: when stopped
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils import pg_ha
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    NODE_ARGUMENT_SPEC,
    PgNodeError,
    connect,
    node_report,
    resolve_paths,
)


def fence(module, paths, report):
    params = module.params
    result = dict(changed=False, fenced=True, was_running=bool(report.get('running')),
                  was_primary=bool(report.get('running') and report.get('in_recovery') is False))
    if module.check_mode:
        result['changed'] = not report.get('fenced') or (params['stop'] and result['was_running'])
        return result
    result['changed'] = pg_ha.write_fence(paths, params['reason'])
    if params['stop'] and result['was_running']:
        if result['was_primary']:
            conn = connect(params)
            try:
                conn.execute('CHECKPOINT')  # a short shutdown checkpoint
            finally:
                conn.close()
        pg_ha.systemctl('stop', paths, timeout=params['stop_timeout'])
        result['changed'] = True
    if params['stop']:
        stopped = pg_ha.wait_until(lambda: not node_report(params).get('running'), params['stop_timeout'])
        if not stopped:
            raise PgNodeError('PostgreSQL still runs %d s after the stop; see its log' % params['stop_timeout'])
        result.update(pg_ha.clean_shutdown(paths))
        result['shutdown_checkpoint_lsn'] = result.pop('checkpoint_lsn')
    return result


def main():
    argument_spec = dict(
        NODE_ARGUMENT_SPEC,
        state=dict(type='str', choices=['fenced', 'unfenced'], default='fenced'),
        stop=dict(type='bool', default=True),
        reason=dict(type='str', default='fenced by hastack.platform'),
        stop_timeout=dict(type='int', default=120),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        paths = resolve_paths(module.params)
        if paths is None:
            raise PgNodeError('no PostgreSQL installation on this host')
        if module.params['state'] == 'fenced':
            if not paths.data_exists:
                raise PgNodeError('no PostgreSQL cluster on this host to fence')
            result = fence(module, paths, node_report(module.params))
        else:
            # The mark lives outside the data directory: it is lifted even
            # when the data is gone (restore.yml re-clones such a host).
            report = node_report(module.params) if paths.data_exists else {}
            marked = os.path.exists(paths.fence_file)
            changed = marked if module.check_mode else pg_ha.remove_fence(paths)
            result = dict(changed=changed, fenced=False, was_running=bool(report.get('running')),
                          was_primary=bool(report.get('running') and report.get('in_recovery') is False))
    except PgNodeError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
