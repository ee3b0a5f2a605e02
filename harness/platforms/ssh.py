"""A Docker engine on another machine, reached over ssh:// (a targets file's
docker_host): the Docker SDK's own ssh transport, paramiko, which kickoff's
`ssh` extra installs (pip install 'kickoff-harness[ssh]').

Who logs in, and with which key, comes from the ssh:// URL and ~/.ssh/config
(User, Port, IdentityFile, ProxyCommand, as the SDK reads them). The host's
key must already be in ~/.ssh/known_hosts: an unknown host is refused, never
trusted on first use. The other machine needs the docker CLI, whose
`docker system dial-stdio` the SDK runs there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gevent

from harness.spec.errors import InfrastructureMissing

if TYPE_CHECKING:  # the SDK (and its ssh transport) loads when a client is first needed
    import docker

CONNECT_TIMEOUT = 30.0  # seconds to log in and reach the engine; the SDK sets none for ssh


def engine(host: str, timeout: int) -> docker.DockerClient:
    """A client of the Docker engine at `host` (ssh://[user@]host[:port]),
    answering; InfrastructureMissing saying which piece is missing otherwise."""
    try:
        import paramiko
    except ImportError:
        raise InfrastructureMissing(
            f"docker_host {host} needs paramiko, the Docker SDK's ssh transport, which is not "
            f"installed (install kickoff's ssh extra: pip install 'kickoff-harness[ssh]')"
        ) from None
    import docker
    from docker.errors import DockerException

    problem = None
    try:
        with gevent.Timeout(CONNECT_TIMEOUT):
            client = docker.DockerClient(base_url=host, timeout=timeout)
            client.ping()
            return client
    except gevent.Timeout:
        problem = f"no answer within {CONNECT_TIMEOUT:g}s"
    except paramiko.BadHostKeyException:
        problem = "its host key is not the one in ~/.ssh/known_hosts"
    except paramiko.AuthenticationException:
        problem = (
            "it accepted none of the keys offered (name the key in ~/.ssh/config: IdentityFile)"
        )
    except paramiko.SSHException as error:
        problem = _ssh_problem(str(error))
    except (OSError, DockerException) as error:
        problem = (
            f"{error.__class__.__name__}: {str(error).splitlines()[0][:200]}"
            if str(error)
            else error.__class__.__name__
        )
    raise InfrastructureMissing(f"no Docker engine answers at docker_host {host}: {problem}")


def _ssh_problem(message: str) -> str:
    if "known_hosts" in message:
        return (
            "its host key is not in ~/.ssh/known_hosts (check the key, then add it: "
            "ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts)"
        )
    if "No authentication methods" in message:
        return "there is no key to offer (name one in ~/.ssh/config: IdentityFile)"
    return f"ssh failed ({message.splitlines()[0][:200] if message else 'no reason given'})"
