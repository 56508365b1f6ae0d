// A userfaultfd with write-protect on anonymous memory, shared by
// native/calibrate.c and native/twin/uffd.c: the syscall (root, or
// vm.unprivileged_userfaultfd=1), else /dev/userfaultfd; then the API
// handshake with `features`. Returns the fd, or -1 with *why set.
#ifndef UFFD_NEW_H
#define UFFD_NEW_H
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int uffd_new(unsigned long long features, const char **why) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
    if (dev >= 0) {
      fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
      close(dev);
    }
  }
  if (fd < 0) {
    *why = strerror(errno);
    return -1;
  }
  struct uffdio_api api = {.api = UFFD_API, .features = features};
  if (ioctl(fd, UFFDIO_API, &api) || !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP)) {
    *why = "no write-protect (UFFD_FEATURE_PAGEFAULT_FLAG_WP) on anonymous memory";
    close(fd);
    return -1;
  }
  return fd;
}
#endif
