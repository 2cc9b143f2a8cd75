"""cumulo: a highly available cloud management platform speaking the CloudStack API."""

__version__ = "0.1.0"
# The CloudStack release whose API we follow; clients read it from listCapabilities.
CLOUDSTACK_API_VERSION = "4.22.0.0"
