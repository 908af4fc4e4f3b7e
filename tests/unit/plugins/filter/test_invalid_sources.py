from __future__ import annotations

import pytest

from ansible_collections.hastack.platform.plugins.filter.invalid_sources import FilterModule

invalid_sources = FilterModule().filters()['invalid_sources']


@pytest.mark.parametrize('source', ['10.0.0.5', '10.0.0.0/24', '0.0.0.0/0', '::/0', '2001:db8::/32', 'fe80::1'])
def test_addresses_and_networks_pass(source):
    assert invalid_sources([source]) == []


@pytest.mark.parametrize('source', ['10.0.0.0/33', '10.0.0.5/24', '10.0.0', 'db1', '', '2001:db8::1/32', '::/129'])
def test_bad_entries_are_returned(source):
    assert invalid_sources([source]) == [source]


def test_keeps_order_and_only_bad_ones():
    assert invalid_sources(['10.0.0.0/8', 'x', '10.1.0.0/16', '10.2.0.1/16']) == ['x', '10.2.0.1/16']
