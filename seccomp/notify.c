/* SCMP_ACT_NOTIFY: the listener fd goes to the process at listenerPath,
 * as the runtime spec says: one message on a unix stream socket carrying
 * the fd (SCM_RIGHTS) and the container process state JSON
 * {ociVersion, fds:["seccompFd"], pid, metadata, state}. Runs in the
 * parent, after the init sent it the fd and before create returns. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../oci/json.h"
#include "../oci/spec.h"
#include "../util/cleanup.h"
#include "seccomp.h"

static void write_state(struct json_out *o, const struct seccomp_listener_info *li)
{
	const struct oci_config *cfg = li->cfg;
	const struct oci_seccomp *s = cfg->linux_.seccomp;

	jo_obj_begin(o);
	jo_kstr(o, "ociVersion", OCI_SPEC_VERSION);
	jo_key(o, "fds");
	jo_arr_begin(o);
	jo_str(o, "seccompFd");
	jo_arr_end(o);
	jo_ki64(o, "pid", li->pid);
	jo_kstr(o, "metadata", s->listener_metadata ? s->listener_metadata : "");
	jo_key(o, "state");
	jo_obj_begin(o);
	jo_kstr(o, "ociVersion", OCI_SPEC_VERSION);
	jo_kstr(o, "id", li->id);
	jo_kstr(o, "status", "creating");
	jo_ki64(o, "pid", li->pid);
	jo_kstr(o, "bundle", li->bundle);
	if (cfg->n_annotations > 0) {
		jo_key(o, "annotations");
		jo_obj_begin(o);
		for (size_t i = 0; i < cfg->n_annotations; i++)
			jo_kstr(o, cfg->annotations[i].key, cfg->annotations[i].value);
		jo_obj_end(o);
	}
	jo_obj_end(o);
	jo_obj_end(o);
}

int seccomp_send_listener(const struct seccomp_listener_info *li, int notify_fd, struct cell_err *e)
{
	const char *path = li->cfg->linux_.seccomp->listener_path;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct json_out o;
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	_cleanup_close_ int sk = -1;
	ssize_t n;

	if (strlen(path) >= sizeof sa.sun_path)
		return cell_err_errno(e, ENAMETOOLONG, "linux.seccomp.listenerPath `%s`", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return cell_err_sys(e, "seccomp listener: socket");
	if (connect(sk, (struct sockaddr *)&sa, sizeof sa) < 0)
		return cell_err_sys(e, "seccomp listener: connect `%s`", path);
	jo_init(&o, 0);
	write_state(&o, li);
	if (o.oom) {
		jo_free(&o);
		return cell_err_errno(e, ENOMEM, "seccomp listener: state");
	}
	iov = (struct iovec){ .iov_base = o.buf, .iov_len = o.len };
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &notify_fd, sizeof(int));
	do
		n = sendmsg(sk, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		jo_free(&o);
		return cell_err_sys(e, "seccomp listener: send to `%s`", path);
	}
	/* A stream may take part of it: the fd went with the first byte. */
	for (size_t off = (size_t)n; off < o.len; off += (size_t)n) {
		n = send(sk, o.buf + off, o.len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0) {
			jo_free(&o);
			return cell_err_sys(e, "seccomp listener: send to `%s`", path);
		}
	}
	jo_free(&o);
	return 0;
}
