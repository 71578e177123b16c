/* `events`: a container's resource usage as JSON, once (--stats) or every
 * --interval until it stops, plus an "oom" event when the OOM killer
 * strikes in between. The layout follows runc's events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>

#include "../oci/json.h"
#include "opened.h"

static const char events_usage[] =
	"Usage: cell events [--stats] [--interval SECONDS] ID\n"
	"Print resource usage as JSON: once with --stats, else every interval\n"
	"(default 5) until the container stops, with an \"oom\" event on OOM kills.\n";

struct events_opts {
	bool stats;
	int interval;
};

static int events_on_opt(void *ctx, int opt, const char *arg, struct cell_err *e)
{
	struct events_opts *o = ctx;

	if (opt == 's') {
		o->stats = true;
		return 0;
	}
	return cmd_parse_int("events: --interval", arg, 1, 86400, &o->interval, e);
}

static void limit(struct json_out *o, const char *key, uint64_t v)
{
	jo_key(o, key);
	jo_u64(o, v == UINT64_MAX ? 0 : v); /* runc prints 0 for "no limit" */
}

static void io_list(struct json_out *o, const char *key, const struct cgroup_stats *s, bool bytes)
{
	jo_key(o, key);
	jo_arr_begin(o);
	for (size_t i = 0; i < s->n_io; i++) {
		const struct cgroup_io *d = &s->io[i];

		for (int w = 0; w < 2; w++) {
			jo_obj_begin(o);
			jo_ki64(o, "major", d->major);
			jo_ki64(o, "minor", d->minor);
			jo_kstr(o, "op", w ? "Write" : "Read");
			jo_key(o, "value");
			jo_u64(o, bytes ? (w ? d->write_bytes : d->read_bytes) : (w ? d->write_ios : d->read_ios));
			jo_obj_end(o);
		}
	}
	jo_arr_end(o);
}

static void stats_json(struct json_out *o, const char *id, const struct cgroup_stats *s)
{
	jo_obj_begin(o);
	jo_kstr(o, "type", "stats");
	jo_kstr(o, "id", id);
	jo_key(o, "data");
	jo_obj_begin(o);
	if (s->has_cpu) {
		jo_key(o, "cpu");
		jo_obj_begin(o);
		jo_key(o, "usage");
		jo_obj_begin(o);
		jo_ku64(o, "total", s->cpu_total_ns);
		jo_ku64(o, "kernel", s->cpu_system_ns);
		jo_ku64(o, "user", s->cpu_user_ns);
		jo_obj_end(o);
		jo_key(o, "throttling");
		jo_obj_begin(o);
		jo_ku64(o, "periods", s->cpu_periods);
		jo_ku64(o, "throttledPeriods", s->cpu_throttled_periods);
		jo_ku64(o, "throttledTime", s->cpu_throttled_ns);
		jo_obj_end(o);
		jo_obj_end(o);
	}
	if (s->has_memory) {
		jo_key(o, "memory");
		jo_obj_begin(o);
		jo_key(o, "usage");
		jo_obj_begin(o);
		jo_ku64(o, "usage", s->mem_usage);
		jo_ku64(o, "max", s->mem_max_usage);
		limit(o, "limit", s->mem_limit);
		jo_ku64(o, "failcnt", s->mem_failcnt);
		jo_obj_end(o);
		jo_key(o, "swap");
		jo_obj_begin(o);
		jo_ku64(o, "usage", s->swap_usage);
		limit(o, "limit", s->swap_limit);
		jo_obj_end(o);
		jo_ku64(o, "oomKills", s->oom_kills);
		jo_obj_end(o);
	}
	if (s->has_pids) {
		jo_key(o, "pids");
		jo_obj_begin(o);
		jo_ku64(o, "current", s->pids_current);
		limit(o, "limit", s->pids_limit);
		jo_obj_end(o);
	}
	if (s->has_io) {
		jo_key(o, "blkio");
		jo_obj_begin(o);
		io_list(o, "ioServiceBytesRecursive", s, true);
		io_list(o, "ioServicedRecursive", s, false);
		jo_obj_end(o);
	}
	jo_obj_end(o);
	jo_obj_end(o);
}

static int print_event(const char *id, const char *type, const struct cgroup_stats *s,
		       struct cell_err *e)
{
	struct json_out o;

	jo_init(&o, 0);
	if (s != NULL) {
		stats_json(&o, id, s);
	} else {
		jo_obj_begin(&o);
		jo_kstr(&o, "type", type);
		jo_kstr(&o, "id", id);
		jo_obj_end(&o);
	}
	return cmd_print_json(&o, e);
}

int cmd_events(struct cell_ctx *g, int argc, char **argv, struct cell_err *e)
{
	static const struct option lo[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct events_opts eo = { .interval = 5 };
	struct cmd_parser p = { .name = "events", .usage = events_usage, .shortopts = "+h",
				.longopts = lo, .on_opt = events_on_opt, .ctx = &eo,
				.min_args = 1, .max_args = 1 };
	struct cgroup_stats s;
	struct opened o;
	uint64_t ooms;
	int first, r;

	r = cmd_parse(&p, argc, argv, &first, e);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (open_container(g, argv[first], false, &o, e) < 0) {
		close_container(&o);
		return -1;
	}
	if (!o.has_cg) {
		close_container(&o);
		return cell_err_set(e, ENOTSUP, "events: container `%s` has no cgroups", argv[first]);
	}
	/* A stream must not hold up `delete`. */
	flock(o.dirfd, LOCK_UN);
	cgroup_stats(&o.cg, &s);
	ooms = s.oom_kills;
	r = print_event(o.s.id, "stats", &s, e);
	while (r == 0 && !eo.stats) {
		struct timespec ts = { eo.interval, 0 };

		nanosleep(&ts, NULL);
		if (container_status(o.dirfd, &o.s, NULL, &o.cg) == STATUS_STOPPED)
			break;
		cgroup_stats(&o.cg, &s);
		if (s.oom_kills > ooms)
			r = print_event(o.s.id, "oom", NULL, e);
		ooms = s.oom_kills;
		if (r == 0)
			r = print_event(o.s.id, "stats", &s, e);
	}
	close_container(&o);
	return r;
}
