from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hastack.platform.plugins.filter.mount_point import FilterModule

mount_point = FilterModule().filters()['mount_point']

MOUNTS = [{'mount': '/'}, {'mount': '/var'}, {'mount': '/var/lib/pgbackrest'}, {'mount': '/srv/backup/'}]


@pytest.mark.parametrize('path, point', [
    ('/var/lib/pgbackrest', '/var/lib/pgbackrest'),
    ('/var/lib/pgbackrest/archive/main', '/var/lib/pgbackrest'),
    ('/var/lib/postgresql/17/main', '/var'),
    ('/var/lib/pgbackrest-drill', '/var'),  # a sibling whose name starts alike is not inside
    ('/srv/backup/repo', '/srv/backup'),
    ('/srv/backups', '/'),
    ('/etc', '/'),
    ('/var/lib/../lib/pgbackrest/x', '/var/lib/pgbackrest'),
])
def test_the_longest_mount_holding_the_path(path, point):
    assert mount_point(path, MOUNTS) == point


def test_root_when_nothing_is_listed():
    assert mount_point('/var/lib/pgbackrest', []) == '/'


def test_a_relative_path_is_refused():
    with pytest.raises(AnsibleFilterError, match='not an absolute path'):
        mount_point('var/lib', MOUNTS)
