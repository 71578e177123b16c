/* `stop`: the stop signal to the init, a grace period, then SIGKILL to
 * every process of the container (lxc-stop -t, podman stop). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../ns/ns.h"
#include "../oci/json.h"
#include "../util/sys.h"
#include "opened.h"

#define STOP_SIGNAL_KEY "org.opencontainers.image.stopSignal"

static const char stop_usage[] =
	"Usage: cell stop [-t|--time SECONDS] ID\n"
	"Send the stop signal (SIGTERM, or the annotation " STOP_SIGNAL_KEY ")\n"
	"to the container's init, wait up to SECONDS (default 10) for it to exit,\n"
	"then SIGKILL every process of the container. Returns once it has stopped.\n"
	"  -t, --time SECONDS   grace period (0: kill at once)\n";

/* The image's stop signal from the state's annotations; SIGTERM without. */
static int stop_signal(const struct state *s, struct cell_err *e)
{
	struct json_tok toks[64];
	struct json_doc d;
	char name[32];
	size_t v;
	int sig = SIGTERM;

	if (s->annotations == NULL)
		return SIGTERM;
	if (json_parse_buf(&d, s->annotations, strlen(s->annotations), 0, toks, 64, e) < 0)
		return cell_err_wrap(e, "container `%s`: annotations", s->id);
	v = json_obj_get(&d, 0, STOP_SIGNAL_KEY);
	if (v != 0 && d.toks[v].type == JSON_STRING) {
		if (json_str_len(&d, v) >= sizeof name)
			sig = -1;
		else {
			json_str_decode(&d, v, name);
			sig = ns_signal_from_name(name);
		}
		if (sig < 0)
			cell_err_set(e, EINVAL, "container `%s`: annotation " STOP_SIGNAL_KEY
				     ": unknown signal", s->id);
	}
	json_doc_free(&d);
	return sig;
}

/* After the init: whatever the cgroup still holds (no pid namespace, or
 * processes that ignored the signal), until it is empty. */
static int kill_rest(struct opened *o, struct cell_err *e)
{
	pid_t *pids;
	size_t n;

	if (!o->has_cg)
		return ns_signal_all(o->s.pid, o->pidfd, SIGKILL, e);
	for (int i = 0; i < 100; i++) {
		if (cgroup_pids(&o->cg, &pids, &n, e) < 0)
			return -1;
		free(pids);
		if (n == 0)
			return 0;
		if (cgroup_signal_all(&o->cg, SIGKILL, e) < 0)
			return -1;
		/* Dying processes leave the cgroup within milliseconds. */
		usleep(10000);
	}
	return cell_err_set(e, ETIMEDOUT, "stop `%s`: processes left in its cgroup after SIGKILL",
			    o->s.id);
}

static int parse_time(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	return cmd_parse_int("stop: --time", arg, 0, 86400 * 365, ctx, e);
}

int cmd_stop(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "time", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	int secs = 10;
	struct cmd_parser p = { .name = "stop", .usage = stop_usage, .shortopts = "+t:h",
				.longopts = lo, .on_opt = parse_time, .ctx = &secs,
				.min_args = 1, .max_args = 1 };
	struct opened o;
	int first, r, sig;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (open_container(g, argv[first], false, &o, e) < 0)
		goto fail;
	if (o.status == STATUS_STOPPED)
		goto done;
	sig = stop_signal(&o.s, e);
	if (sig < 0)
		goto fail;
	/* Waiting holds no lock: `state` and `delete` may run meanwhile. */
	close(o.dirfd);
	o.dirfd = -1;
	if (sys_pidfd_send_signal(o.pidfd, sig, NULL, 0) < 0 && errno != ESRCH) {
		cell_err_sys(e, "stop `%s`: signal %d to init %d", o.s.id, sig, o.s.pid);
		goto fail;
	}
	/* A frozen process handles the signal only once thawed. */
	if (o.status == STATUS_PAUSED && cgroup_freeze(&o.cg, false, e) < 0)
		goto fail;
	if (ns_wait_exit(o.pidfd, secs * 1000) < 0 &&
	    (o.has_cg ? cgroup_signal_all(&o.cg, SIGKILL, e) :
			ns_signal_all(o.s.pid, o.pidfd, SIGKILL, e)) < 0)
		goto fail;
	if (ns_wait_exit(o.pidfd, 10000) < 0) {
		cell_err_set(e, ETIMEDOUT, "stop `%s`: init %d did not exit after SIGKILL", o.s.id,
			     o.s.pid);
		goto fail;
	}
	if (kill_rest(&o, e) < 0)
		goto fail;
done:
	close_container(&o);
	return 0;
fail:
	close_container(&o);
	return -1;
}
