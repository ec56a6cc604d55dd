// SPDX-License-Identifier: GPL-2.0
/*
 * kdump_load KERNEL INITRD CMDLINE: loads KERNEL as the crash (capture) kernel with
 * kexec_file_load(2) and KEXEC_FILE_ON_CRASH, as `kexec -p -s` does. Built static by the kit's
 * initramfs stage (the initramfs has no libc); kexec-tools is not needed for file-based loading.
 */
#include <fcntl.h>
#include <linux/kexec.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: kdump_load KERNEL INITRD CMDLINE\n");
		return 2;
	}
	int kernel = open(argv[1], O_RDONLY), initrd = open(argv[2], O_RDONLY);
	if (kernel < 0 || initrd < 0) {
		perror("kdump_load: open");
		return 1;
	}
	long r = syscall(SYS_kexec_file_load, kernel, initrd, strlen(argv[3]) + 1, argv[3],
			 (unsigned long)KEXEC_FILE_ON_CRASH);
	if (r != 0) {
		perror("kdump_load: kexec_file_load");
		return 1;
	}
	printf("kdump_load: capture kernel loaded\n");
	return 0;
}
