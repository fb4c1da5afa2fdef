"""The reference solution of every exercise: the one place the editions and the tests
read them from (scripts/editions.py, tests/test_editions.py).

SOLUTIONS[lesson stem][check name] is either
  - a tuple of sources, one per `...` of the exercise cell's code (in order; a `...`
    inside a comment is not one), each replacing that `...`; or
  - a str: the whole solved cell, for exercises that need more than a filled blank
    (a function to write; lesson 10's programs, fixed in place).
Every solution runs after the lesson's setup cell alone, and is derived where the
exercise asks for a derivation: the comment says how.
"""

SOLUTIONS = {
    "00_start_here": {
        # exp(z) = e^1 + e^0, so z = log(e + 1)
        "check_half_logit": ("float(np.log(np.e + 1))",),
        "check_probs_sum": (
            "float(tf.reduce_sum(helpers.softmax_stable([2.0, -1.0, 0.5])))",
        ),
    },
    "01_gradient_tape": {
        # the gradient of y0 + y1 + y2 = s**2 with s = x0 + x1 + x2 = 6: 2 s everywhere
        "check_vector_gradient": ("[12.0, 12.0, 12.0]", '"sum"'),
        "check_none_fix": ('"tape.watch(x)"',),
        "check_square_jacobian": """x = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x**2
square_jacobian = tape.jacobian(y, x)  # diagonal 2 x: y_i depends on x_i only
helpers.exercises.check_square_jacobian(square_jacobian)""",
    },
    "02_softmax_forward": {
        # L(z + c) = L(z): the entries sum to 0
        "check_gradient_sum": ("-(0.125 - 0.4 + 0.075)", '"shift invariance"'),
        # z / T = [200, 100, 0]: exp(-100) and exp(-200) underflow to 0 in float32
        "check_low_temperature": ("[1.0, 0.0, 0.0]", '"gaps of 100 and 200"'),
        "check_my_softmax": """def my_softmax(logits):
    shifted = logits - tf.reduce_max(logits, axis=-1, keepdims=True)  # largest exp is 1
    exps = tf.exp(shifted)
    return exps / tf.reduce_sum(exps, axis=-1, keepdims=True)


helpers.exercises.check_my_softmax(my_softmax)""",
    },
    "03_softmax_jacobian": {
        "check_jacobian_entry": """p = tf.nn.softmax([1.0, 2.0, 3.0]).numpy()
d_p0_d_z2 = -p[0] * p[2]  # off the diagonal: -p_i p_j
helpers.exercises.check_jacobian_entry(d_p0_d_z2)""",
        "check_weighted_gradient": """logits = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    tape.watch(logits)
    probs = tf.nn.softmax(logits)
v = tf.constant([1.0, 0.0, -1.0])  # sum(v * p) = p0 - p2
grad_p0_minus_p2 = tape.gradient(probs, logits, output_gradients=v)
helpers.exercises.check_weighted_gradient(grad_p0_minus_p2)""",
        "check_logsumexp_hessian": """z = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape(persistent=True) as outer:
    outer.watch(z)
    with tf.GradientTape() as inner:
        inner.watch(z)
        lse = tf.reduce_logsumexp(z)
    gradient = inner.gradient(lse, z)  # = softmax(z)
# the Jacobian of softmax, row by row: pfor would trace again after the lesson's
# jacobians and warn about retracing
hessian = outer.jacobian(gradient, z, experimental_use_pfor=False)
matrix = "diag(p) - p p^T"
helpers.exercises.check_logsumexp_hessian(hessian, matrix)""",
    },
    "04_softmax_cross_entropy": {
        # p - y
        "check_cross_entropy_gradient": (
            "helpers.softmax_stable([2.0, -1.0, 0.5]).numpy() - np.array([0.0, 0.0, 1.0])",
        ),
        "check_twice_gradient": """z = tf.constant([1.0, 4.0, -1.0])
with tf.GradientTape() as tape:
    tape.watch(z)
    q = tf.nn.softmax(tf.nn.softmax(z))
    loss = -tf.math.log(q[1])
grad_twice = tape.gradient(loss, z)  # (diag(p) - p pᵀ)(q - y): p is nearly one-hot
small_factor = "dp/dz"
helpers.exercises.check_twice_gradient(grad_twice, small_factor)""",
        # the loss is lowest at p = y_s, where it is the entropy of y_s
        "check_smoothing_floor": (
            "-(0.91 * np.log(0.91) + 9 * 0.01 * np.log(0.01))",
            '"entropy of y_s"',
        ),
    },
    "05_training": {
        # the first step is learning_rate * g / |g| for any g: 0.05
        "check_adam_first_step": ("0.05",),
        # found with the explorer: at 2.0 the naive loss is NaN from step 3
        "check_nan_learning_rate": ("2.0",),
        # alpha * m / (sqrt(v) + eps) = lr (1 - b1) |g| / ((1 - b1) (sqrt(1 - b2) |g|
        # + eps)) = lr / 2 when eps = sqrt(1 - b2) |g|
        "check_adam_half_step": (
            "1e-7 / np.sqrt(1 - 0.999)",
            '"epsilon is added to sqrt(1 - beta_2) |g|"',
        ),
    },
    "06_custom_gradients": {
        "check_cube": """@tf.custom_gradient
def cube(x):
    def grad(upstream):
        return upstream * 3 * x**2  # the chain rule: upstream times d(x**3)/dx

    return x**3, grad


helpers.exercises.check_cube(cube)""",
        "check_clip_ste": """@tf.custom_gradient
def clip_ste(x):
    def grad(upstream):
        return upstream  # backward: pretend the op was the identity

    return tf.clip_by_value(x, -1.0, 1.0), grad


helpers.exercises.check_clip_ste(clip_ste)""",
    },
    "07_zero_gradients": {
        # x . w = 2, -1, -4, 0.5: dead iff b <= -2; at b = -2, tf.maximum passes 1 at a = 0
        "check_dead_bias": ("-2.0", '"alive"'),
        # sigmoid rounds to 1 once e^-x < 2^-24 (half of float32's eps): x > 24 ln 2
        "check_saturation_point": ("int(np.ceil(24 * np.log(2)))",),
        "check_safe_xlogx": """def xlogx(x):
    safe = tf.where(x > 0, x, 1.0)  # the unselected branch sees log(1) = 0, no NaN
    return tf.where(x > 0, safe * tf.math.log(safe), 0.0)


helpers.exercises.check_safe_xlogx(xlogx)""",
    },
    "08_none_gradients": {
        "check_mean_of_cubes": ("tf.reduce_mean(v**3)",),
        "check_none_or_zero": (
            (
                '{"relu": "zero", "cast_int": "None", "stop_half": "number", '
                '"a_minus_a": "zero", "round_plus_a": "number", "constant": "None", '
                '"convert": "number"}'
            ),
        ),
    },
    "09_trainable_or_not": {
        "check_none_or_gradient": (
            (
                '{"tf_variable_not_trainable": "None", "keras_variable_frozen_later": '
                '"gradient", "frozen_dense_kernel_passed_explicitly": "gradient", '
                '"tf_variable_not_trainable_watched": "gradient"}'
            ),
        ),
        "check_only_second_trainable": ('model.get_layer("first").trainable = False',),
        "check_weights_to_adam": (
            '"all four"',
            (
                '"freezing only shortens trainable_variables; the optimiser updates '
                'what it is given"'
            ),
        ),
    },
    "10_gradient_clinic": {
        "check_accuracy_bug_fixed": """w = tf.Variable([[0.5, -0.3], [0.2, 0.8]], name="w")


def loss():
    logits = clinic.FEATURES @ w
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(clinic.LABELS, logits)
    return tf.reduce_mean(losses)  # smooth in the logits, unlike argmax and ==


helpers.exercises.check_accuracy_bug_fixed(loss, w)""",
        "check_regression_bugs_fixed": """w = tf.Variable([1.0, -1.0], name="w")  # a float variable: integers get None


def loss():
    predictions = tf.linalg.matvec(clinic.FEATURES, w)
    errors = predictions - clinic.TARGETS  # no .numpy(): the tape keeps the path
    return tf.reduce_mean(errors**2)


helpers.exercises.check_regression_bugs_fixed(loss, w)""",
        "check_group_means_fixed": """counts = tf.constant([0.0, 2.0, 4.0])  # the first group is empty
totals = tf.Variable([0.0, 3.0, 2.0], name="totals")


def loss():
    safe_counts = tf.where(counts > 0, counts, 1.0)  # no 0 / 0 in either branch
    means = tf.where(counts > 0, totals / safe_counts, totals)
    return tf.reduce_sum(means)


helpers.exercises.check_group_means_fixed(loss, totals)""",
        # raw pixels give scores far above 1: the clip (a select inside
        # tf.clip_by_value) passes back 0 for every one
        "check_clipped_scores": ('"zero"', '"where_masked"'),
    },
    "11_deep_network": {
        # Var(z) = 32 scale² Var(a) = Var(a): scale = 1 / sqrt(32)
        "check_tanh_init_scale": ("1 / np.sqrt(32)",),
        # near-uniform softmax over the 10 outputs, whatever the 4 classes: log 10
        "check_subset_initial_loss": ("np.log(10)",),
        # the lesson's rescue stepped 3 × 0.1 = 0.3 long: at learning rate 30, 0.01
        "check_rescue_clip": ("0.3 / 30",),
    },
    "12_low_precision": {
        # exp(z) < 65504: z < log(65504) = 11.09; float16 steps near 11 are 2^-7
        "check_largest_float16_logit": ("np.floor(np.log(65504.0) * 2**7) / 2**7",),
        # S · 1e-7 · 1e-3 must be above 2^-25 (it rounds to 0 below): S > 298
        "check_smallest_loss_scale": (
            "2.0 ** np.ceil(np.log2(2.0**-25 / 1e-10))",
            "low_precision.SCALE_REASONS[0]",
        ),
        # bfloat16 numbers below 1 are 2^-8 apart: 1 - 2^-9 is a tie, rounded to even 1
        "check_largest_lost_learning_rate": ("2.0**-9",),
    },
}
