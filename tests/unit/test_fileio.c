// SPDX-License-Identifier: MIT
/* Atomic file replacement, one by one and many at once: contents, modes, refusals, no leftovers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/core/fileio.h"

static char dir[64];

static int setup(void **state)
{
	char sub[96];

	snprintf(dir, sizeof(dir), "/tmp/certbind-test-fileio.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sub, sizeof(sub), "%s/b", dir);
	return mkdir(sub, 0755);
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void assert_content(const char *path, const char *want)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(file_read(path, 1 << 20, &buf, &len), 0);
	assert_string_equal(buf, want);
	free(buf);
}

/* Entries of d whose name starts with a dot (temporary files), "." and ".." aside. */
static int dot_files(const char *d)
{
	DIR *dh = opendir(d);
	struct dirent *e;
	int n = 0;

	while (dh && (e = readdir(dh)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (dh)
		closedir(dh);
	return n;
}

static void test_replace_many(void **state)
{
	char p[4][128], sub[96];
	struct file_write w[4];
	int err[4];
	struct stat st;

	snprintf(p[0], sizeof(p[0]), "%s/one.conf", dir);
	snprintf(p[1], sizeof(p[1]), "%s/b/two.conf", dir);
	snprintf(p[2], sizeof(p[2]), "%s/link.conf", dir);
	snprintf(p[3], sizeof(p[3]), "%s/three.conf", dir);
	assert_int_equal(file_replace(p[0], "old\n", 4, 0640), 0);
	assert_int_equal(symlink("/etc/hostname", p[2]), 0);
	w[0] = (struct file_write){ p[0], "new one\n", 8, 0644 };
	w[1] = (struct file_write){ p[1], "two\n", 4, 0600 };
	w[2] = (struct file_write){ p[2], "never\n", 6, 0644 };
	w[3] = (struct file_write){ p[3], "three\n", 6, 0644 };
	assert_int_equal(file_replace_many(w, 4, err), 1);
	assert_int_equal(err[0], 0);
	assert_int_equal(err[1], 0);
	assert_int_equal(err[2], -ELOOP);     /* a symlink is refused, never followed */
	assert_int_equal(err[3], 0);
	assert_content(p[0], "new one\n");
	assert_content(p[1], "two\n");
	assert_content(p[3], "three\n");
	assert_int_equal(stat(p[0], &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);   /* an existing file keeps its mode */
	assert_int_equal(stat(p[1], &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(p[2], &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	snprintf(sub, sizeof(sub), "%s/b", dir);
	assert_int_equal(dot_files(dir), 0);
	assert_int_equal(dot_files(sub), 0);
	/* Nothing to write: nothing fails. */
	assert_int_equal(file_replace_many(w, 0, err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replace_many, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
