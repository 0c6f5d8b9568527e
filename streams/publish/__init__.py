"""Publishing: the stream's rpm-md repository, its ``.repo`` file and signatures."""

from streams.publish.repo import PublishResult, publish_repo, read_header, repo_file_text
from streams.publish.sign import key_file_name, verify_repomd, verify_rpms

__all__ = [
    "PublishResult",
    "key_file_name",
    "publish_repo",
    "read_header",
    "repo_file_text",
    "verify_repomd",
    "verify_rpms",
]
