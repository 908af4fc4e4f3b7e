#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: pg_node_info
short_description: Report the replication state of one PostgreSQL node
version_added: 0.1.0
description:
  - Reports whether PostgreSQL runs on this host and whether it is a primary or a standby, with its
    timeline, system identifier, WAL positions, lag, connected standbys, replication slots and settings
    waiting for a restart.
  - When the server is down it reads C(pg_controldata) and the files in the data directory instead of
    failing, so a whole group can always be compared (see the P(hastack.platform.pg_cluster_view#filter) filter).
  - Connects over the local socket as O(login_user); the collection's pg_ident map lets root do so.
extends_documentation_fragment:
  - hastack.platform.pg_node
author: hastack.platform maintainers (@hastack)
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to show.
"""

EXAMPLES = r"""
- name: Ask every db host for its state
  hastack.platform.pg_node_info:
  register: pg_node

- name: Show the lag of a standby
  ansible.builtin.debug:
    msg: "{{ pg_node.lag_bytes }} bytes, {{ pg_node.lag_seconds }} s behind"
  when: pg_node.role == 'standby'
"""

RETURN = r"""
installed:
  description: Whether PostgreSQL binaries of the version are installed.
  type: bool
  returned: always
data_exists:
  description: Whether the data directory holds a cluster.
  type: bool
  returned: always
running:
  description: Whether the server accepted a connection.
  type: bool
  returned: always
role:
  description: C(primary) or C(standby); for a stopped server, what it would start as (C(standby.signal)). Null without data.
  type: str
  returned: always
timeline:
  description: Current timeline (from pg_controldata when stopped).
  type: int
  returned: when data_exists
system_identifier:
  description: Database system identifier, the same on every member of one cluster.
  type: str
  returned: when data_exists
current_lsn:
  description: Current WAL write position of a primary.
  type: str
  returned: when data_exists
receive_lsn:
  description: Last WAL position received by a standby.
  type: str
  returned: when data_exists
replay_lsn:
  description: Last WAL position replayed by a standby.
  type: str
  returned: when data_exists
lag_bytes:
  description: Bytes a standby still has to replay of what its upstream has sent word of; 0 on a primary.
  type: int
  returned: when running
lag_seconds:
  description: Seconds since the last replayed transaction, 0 when fully replayed.
  type: float
  returned: when running
standbys:
  description: Standbys connected to a primary, with state, sync_state and lag.
  type: list
  elements: dict
  returned: when data_exists
slots:
  description: Replication slots with their activity and restart LSN.
  type: list
  elements: dict
  returned: when data_exists
pending_restart:
  description: Settings changed in the configuration that wait for a restart.
  type: list
  elements: str
  returned: when data_exists
wal_receiver:
  description: The standby's WAL receiver (status, sender_host, received_tli, slot_name), null if none.
  type: dict
  returned: when data_exists
fenced:
  description: Whether the node is marked fenced and must not serve as a primary.
  type: bool
  returned: when installed
controldata_state:
  description: C(Database cluster state) from pg_controldata, for a stopped server.
  type: str
  returned: when the server is down
connect_error:
  description: Why the connection failed, for a stopped server.
  type: str
  returned: when the server is down
data_directory:
  description: Data directory.
  type: str
  returned: when installed
version:
  description: Server version (major version when stopped).
  type: str
  returned: when installed
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hastack.platform.plugins.module_utils.pg_node import (
    NODE_ARGUMENT_SPEC,
    PgNodeError,
    node_report,
)


def main():
    module = AnsibleModule(argument_spec=NODE_ARGUMENT_SPEC, supports_check_mode=True)
    try:
        report = node_report(module.params)
    except PgNodeError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **report)


if __name__ == '__main__':
    main()
