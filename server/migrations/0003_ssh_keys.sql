-- What CloudStack does not say about the SSH keys added through the panel: their type, the SHA256
-- fingerprint `ssh-keygen -l` prints, and when they were added. The keys themselves live in the cloud;
-- a row whose key the cloud no longer has is ignored (and removed when the key is deleted here).
CREATE TABLE ssh_keys (
    customer_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    fingerprint_md5    TEXT NOT NULL,
    kind               TEXT NOT NULL,
    fingerprint_sha256 TEXT NOT NULL,
    added_at           BIGINT NOT NULL,
    PRIMARY KEY (customer_id, name)
);
