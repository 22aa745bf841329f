# Source me:  . env.sh          -> demo user/project (non-admin)
#             . env.sh admin    -> admin user/project
# Test-only credentials for the local test cloud started by test/cloud/start.sh.
_faafo_who="${1:-demo}"
unset OS_CLOUD OS_TOKEN OS_AUTH_TYPE
export OS_AUTH_URL=http://127.0.0.1:${OS_LOCAL_KEYSTONE_PORT:-5000}/v3
export OS_IDENTITY_API_VERSION=3
export OS_REGION_NAME=RegionOne
export OS_INTERFACE=public
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_USERNAME="$_faafo_who"
export OS_PROJECT_NAME="$_faafo_who"
export OS_PASSWORD=secret
export OS_HEAT_URL=http://127.0.0.1:${OS_LOCAL_HEAT_PORT:-8004}/v1   # + /<project_id>
unset _faafo_who
