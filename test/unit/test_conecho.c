/*
 * test_conecho.c - the demo's console echo (apps/conecho.c) on the real
 * virtio-console driver against the simulated device, both transport
 * versions: everything received comes back byte-exact, and a device that
 * keeps every transmit buffer (its peer does not read) never holds the
 * caller - the main loop that also serves the network and the shell -
 * nor loses a byte: the echo goes on once the device takes buffers again.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conecho.h"
#include "sim_console.h"
#include "sim_fixture.h"
#include "virtio/virtio.h"
#include "virtio/virtio_console.h"

struct efix {
    struct sim_console *model;
    struct virtio_console con;
    struct con_echo echo;
    bool inited;
};

static int echo_setup(void **state)
{
    int err = vfix_setup(state);
    if (err)
        return err;
    struct vfix *fx = *state;
    fx->user = calloc(1, sizeof(struct efix));
    return fx->user ? 0 : -1;
}

static int echo_teardown(void **state)
{
    struct vfix *fx = *state;
    struct efix *e = fx->user;
    if (e->inited)
        virtio_console_shutdown(&e->con);
    if (e->model)
        sim_console_destroy(e->model);
    free(e);
    return vfix_teardown(state);
}

#define ECHO_TEST(f)                                                                  \
    {#f "/v1", f, echo_setup, echo_teardown, &vfix_v1},                               \
    {                                                                                 \
        #f "/v2", f, echo_setup, echo_teardown, &vfix_v2                              \
    }

static struct efix *mk(void **state)
{
    struct vfix *fx = *state;
    struct efix *e = fx->user;
    struct virtio_console_config cfg = {.mode = VIRTIO_CONSOLE_IRQ};
    vfix_create(fx, VIRTIO_ID_CONSOLE, 0, 2, 64);
    e->model = sim_console_create(fx->sim);
    assert_int_equal(virtio_console_init(&e->con, &fx->dev, &cfg), 0);
    e->inited = true;
    return e;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test_conecho: con_echo_poll did not return within 5 s\n";
    (void)!write(2, msg, sizeof(msg) - 1);
    _exit(1);
}

/* One call, which must return: a hang is a failure, not a stuck test. */
static void echo_once(struct efix *e)
{
    signal(SIGALRM, on_alarm);
    alarm(5);
    con_echo_poll(&e->con, &e->echo);
    alarm(0);
}

static void test_echo_byte_exact(void **state)
{
    struct efix *e = mk(state);
    static uint8_t in[1000];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 7u + 3u);
    sim_console_input(e->model, in, sizeof(in));
    for (int round = 0; round < 50 && e->model->out_len < sizeof(in); round++) {
        sim_console_run(e->model);
        sim_run_irqs();
        echo_once(e);
    }
    sim_console_run(e->model);
    assert_int_equal(e->model->out_len, sizeof(in));
    assert_memory_equal(e->model->out, in, sizeof(in));
}

static void test_device_keeps_tx_buffers(void **state)
{
    struct efix *e = mk(state);
    static uint8_t in[4096];
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(i * 13u + 1u);
    /* More than the transmit pool holds arrives while the device takes no
     * transmit buffer back: the call returns all the same. */
    e->model->hold_tx = true;
    sim_console_input(e->model, in, sizeof(in));
    sim_console_run(e->model);
    sim_run_irqs();
    echo_once(e);
    echo_once(e);
    assert_int_equal(virtio_console_tx_free(&e->con), 0);
    /* The device takes buffers again: every byte comes back, in order. */
    e->model->hold_tx = false;
    for (int round = 0; round < 200 && e->model->out_len < sizeof(in); round++) {
        sim_console_run(e->model);
        sim_run_irqs();
        echo_once(e);
    }
    sim_console_run(e->model);
    assert_int_equal(e->model->out_len, sizeof(in));
    assert_memory_equal(e->model->out, in, sizeof(in));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        ECHO_TEST(test_echo_byte_exact),
        ECHO_TEST(test_device_keeps_tx_buffers),
    };
    return cmocka_run_group_tests_name("conecho", tests, NULL, NULL);
}
