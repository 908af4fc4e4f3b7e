from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.hastack.platform.plugins.filter.pg_cluster_view import FilterModule


def test_filter_is_registered_and_builds_a_view():
    view_filter = FilterModule().filters()['pg_cluster_view']
    view = view_filter({'db1': {'data_exists': False}, 'db2': {'data_exists': False}})
    assert view['state'] == 'bootstrap'


def test_filter_rejects_a_list():
    with pytest.raises(AnsibleFilterError, match='expects a dict'):
        FilterModule().filters()['pg_cluster_view'](['db1'])
