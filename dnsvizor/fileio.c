/*
 * Whole-file reads, and whole-file writes that survive a crash, shared by
 * the shell's configuration and state files (zone snapshots, DHCP lease
 * snapshots and exports, the resolver's cache file, secondary refresh
 * marks, ACME keys and certificates).  A leaf: it calls no other shell
 * file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnsvizor/dnsvizor.h"

enum { DV_FILE_MAX = 1 << 30 };  /* refuse files above 1 GiB */

static int read_fd(int fd, size_t size, char **data, size_t *len)
{
	size_t cap = size + 1, n = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			char *nb;
			if (cap > DV_FILE_MAX) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int dv_read_file(void *arg, const char *path, char **data, size_t *len)
{
	struct stat st;
	int fd, rc;

	(void)arg;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
	} else if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
	} else if (st.st_size > DV_FILE_MAX) {
		rc = -EFBIG;
	} else {
		rc = read_fd(fd, (size_t)st.st_size, data, len);
	}
	close(fd);
	return rc;
}


int dv_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int dv_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* path is a device or FIFO (e.g. --dhcp-leasefile=/dev/null): written
 * in place; renaming a file over it would replace the device node. */
static int dv_write_special(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK), rc;

	if (fd < 0)
		return -1;
	rc = dv_write_all(fd, data, len);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

int dv_write_atomic(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	char tmp[4096 + 32], dir[4096], *slash;
	struct stat st;
	int fd, rc, e;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !S_ISDIR(st.st_mode))
		return dv_write_special(path, data, len);

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	rc = dv_write_all(fd, data, len);
	if (rc == 0)
		rc = fsync(fd);
	if (close(fd) < 0)
		rc = -1;
	if (rc == 0)
		rc = rename(tmp, path);
	if (rc < 0) {
		e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	return dv_fsync_dir(dir);
}

enum { DV_TREE_DEPTH = 16 };

/* Every entry below the open directory dfd (named path), depth-first. */
static int dv_chown_below(int dfd, const char *path, uid_t uid, gid_t gid,
			  int depth, char *bad, size_t badlen)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		snprintf(bad, badlen, "%s", path);
		close(dfd);
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		char sub[4096];
		struct stat st;
		int fd;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    ((st.st_uid != uid || st.st_gid != gid) &&
		     fchownat(dirfd(d), e->d_name, uid, gid,
			      AT_SYMLINK_NOFOLLOW) < 0)) {
			snprintf(bad, badlen, "%s", sub);
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= DV_TREE_DEPTH ||
			    (fd = openat(dirfd(d), e->d_name, O_RDONLY |
					 O_DIRECTORY | O_NOFOLLOW |
					 O_CLOEXEC)) < 0) {
				snprintf(bad, badlen, "%s", sub);
				rc = -1;
			} else {
				rc = dv_chown_below(fd, sub, uid, gid,
						    depth + 1, bad, badlen);
			}
		}
	}
	closedir(d);
	return rc;
}

int dv_chown_tree(const char *dir, uid_t uid, gid_t gid, char *bad,
		  size_t badlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fchown(fd, uid, gid) < 0) {
		snprintf(bad, badlen, "%s", dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return dv_chown_below(fd, dir, uid, gid, 0, bad, badlen);
}
