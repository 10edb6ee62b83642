"""Hints for common mistakes, from the checks a submission fails.

``COMMON_MISTAKES`` maps each wrong implementation of ``tests/student_mistakes.py``
to the checks that catch it (found by grading it) and its one-line description.
A submission whose failed checks are exactly those of a mistake gets that
description as a hint; one whose failed checks include them, as a possibility.
The grader never imports ``tests/``: ``tests/test_grade.py`` keeps this table
equal to the mistakes and to what grading them gives.
"""

COMMON_MISTAKES = {
    'svm_naive_grad_no_mean': (
        ('nb1-regularized-example', 'svm-naive-grad',
         'svm-naive-grad-reg', 'nb4-gradient-check'),
        'svm_loss_naive: the gradient is a sum over the examples, not a mean (missing '
        '1/N).'),
    'svm_vec_grad_no_mean': (
        ('nb1-regularized-example', 'nb4-gradient-check',
         'svm-train', 'svm-vec-edge-hidden', 'svm-vec-grad', 'svm-vec-reg-hidden',
         'svm-vec-speed-hidden'),
        'svm_loss_vectorized: the gradient is a sum over the examples, not a mean '
        '(missing 1/N).'),
    'svm_half_reg': (
        ('nb1-regularized-example', 'nb4-gradient-check', 'svm-naive-edge-hidden',
         'svm-naive-grad-reg', 'svm-train', 'svm-vec-edge-hidden',
         'svm-vec-float32-hidden', 'svm-vec-grad', 'svm-vec-loss', 'svm-vec-reg-hidden',
         'svm-vec-speed-hidden'),
        'SVM: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * W); '
        "this kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W."),
    'svm_grad_no_reg': (
        ('nb1-regularized-example', 'nb4-gradient-check', 'svm-naive-edge-hidden',
         'svm-naive-grad-reg', 'svm-vec-edge-hidden', 'svm-vec-grad',
         'svm-vec-reg-hidden', 'svm-vec-speed-hidden'),
        'SVM: the gradient lacks the regularization term 2 * reg * W (the loss has it).'),
    'svm_vec_includes_correct_class': (
        ('nb1-jiggle', 'nb1-regularized-example',
         'nb4-gradient-check', 'svm-train',
         'svm-vec-edge-hidden', 'svm-vec-float32-hidden', 'svm-vec-grad',
         'svm-vec-loss', 'svm-vec-reg-hidden', 'svm-vec-speed-hidden'),
        "svm_loss_vectorized: the correct class's own margin (always 1) is not zeroed, "
        'so the sum runs over j = y_i too: +1 on every loss and a wrong gradient.'),
    'svm_vec_float64_gradient': (
        ('svm-vec-dtype', 'svm-vec-float32-hidden'),
        'svm_loss_vectorized: .astype(float) makes the gradient float64 for float32 data '
        '(twice the memory and time); keep the dtype of the scores.'),
    'softmax_naive_no_shift': (
        ('softmax-naive-stable',),
        "softmax_loss_naive: no shift by the row's max score, so exp overflows (inf, "
        'nan) for scores near 1000.'),
    'softmax_vec_no_shift': (
        ('softmax-vec-stable', 'softmax-vec-float32-hidden'),
        "softmax_loss_vectorized: no shift by each row's max score, so exp overflows "
        '(inf, nan) for scores near 1000.'),
    'softmax_log10': (
        ('nb1-jiggle', 'nb1-loss-at-init', 'nb1-regularized-example',
         'nb1-softmax-lecture-example', 'nb4-gradient-check', 'nb4-step-sizes',
         'softmax-naive-edge-hidden', 'softmax-naive-grad', 'softmax-naive-loss',
         'softmax-naive-stable', 'softmax-train', 'softmax-vec-edge-hidden',
         'softmax-vec-float32-hidden', 'softmax-vec-grad', 'softmax-vec-loss',
         'softmax-vec-reg-hidden', 'softmax-vec-speed-hidden', 'softmax-vec-stable'),
        'softmax: log base 10 (np.log10) instead of the natural log (np.log); '
        "-log10(0.13) = 0.89 is the lecture's slip, -ln(0.13) = 2.04."),
    'softmax_half_reg': (
        ('nb1-regularized-example', 'nb4-gradient-check', 'softmax-naive-edge-hidden',
         'softmax-naive-grad', 'softmax-train', 'softmax-vec-edge-hidden',
         'softmax-vec-float32-hidden', 'softmax-vec-grad', 'softmax-vec-loss',
         'softmax-vec-reg-hidden', 'softmax-vec-speed-hidden'),
        'softmax: the 0.5 * reg convention (loss 0.5 * reg * sum(W**2), gradient reg * '
        "W); this kit's loss is reg * sum(W**2), whose gradient is 2 * reg * W."),
    'softmax_grad_no_reg': (
        ('nb1-regularized-example', 'nb4-gradient-check', 'softmax-naive-edge-hidden',
         'softmax-naive-grad', 'softmax-train', 'softmax-vec-edge-hidden',
         'softmax-vec-grad', 'softmax-vec-reg-hidden', 'softmax-vec-speed-hidden'),
        'softmax: the gradient lacks the regularization term 2 * reg * W (the loss has '
        'it).'),
    'softmax_naive_grad_no_minus_one': (
        ('nb1-regularized-example', 'softmax-naive-grad',
         'softmax-naive-edge-hidden', 'softmax-naive-stable', 'nb4-gradient-check'),
        'softmax_loss_naive: the gradient misses the -1 at the correct class (dL/ds_j = '
        'p_j - [j == y_i]).'),
    'softmax_vec_grad_no_minus_one': (
        ('nb1-regularized-example', 'softmax-search', 'nb4-gradient-check',
         'nb4-step-sizes', 'softmax-train', 'softmax-train-hidden',
         'softmax-vec-edge-hidden', 'softmax-vec-grad', 'softmax-vec-reg-hidden',
         'softmax-vec-speed-hidden', 'softmax-vec-stable'),
        'softmax_loss_vectorized: the gradient misses the -1 at the correct class '
        '(dL/ds_j = p_j - [j == y_i]).'),
    'softmax_log_of_probability': (
        ('softmax-vec-stable', 'softmax-vec-float32-hidden', 'nb4-step-sizes'),
        'softmax_loss_vectorized: -log of the probability itself; it underflows to 0 '
        '(loss inf) when a wrong class wins by ~750 in float64, by ~100 in float32. Use '
        'log(sum_exp) - score instead.'),
    'search_picks_on_training': (
        ('svm-search',),
        'search_hyperparameters: picks the pair with the best training accuracy; the '
        'validation split must choose (the training accuracy rewards fitting the training '
        'images).'),
    'predict_argmin': (
        ('svm-train', 'softmax-search', 'svm-search', 'svm-predict', 'svm-train-hidden',
         'softmax-train',
         'softmax-train-hidden', 'nb4-step-sizes'),
        'predict: argmin picks the class with the lowest score; the prediction is the '
        'highest.'),
    'predict_wrong_axis': (
        ('svm-train', 'softmax-search', 'svm-search', 'svm-predict', 'svm-train-hidden',
         'softmax-train',
         'softmax-train-hidden', 'nb4-step-sizes'),
        'predict: argmax along axis 0 (over examples) gives one number per class; take '
        'it along axis 1, over the classes of each example.'),
    'minibatch_first_rows': (
        ('svm-train-hidden', 'softmax-train-hidden', 'nb4-minibatch-sampling'),
        'train: every minibatch is the first batch_size rows; sample them at random '
        '(self.rng) so that training sees the whole set.'),
    'minibatch_labels_mismatched': (
        ('svm-train', 'softmax-search', 'svm-search', 'svm-train-hidden', 'softmax-train',
         'softmax-train-hidden',
         'nb4-minibatch-sampling', 'nb4-step-sizes'),
        'train: X_batch and y_batch are drawn with two different random index arrays, so '
        'the labels no longer belong to the examples; index both with the same array.'),
    'minibatch_shuffles_in_place': (
        ('svm-train', 'softmax-train'),
        "train: shuffles the caller's X and y in place (X[:] = X[order]) to draw a "
        "batch, silently reordering the student's data set; index a copy instead "
        '(X[batch]).'),
    'update_wrong_sign': (
        ('svm-train', 'softmax-search', 'svm-search', 'svm-train-hidden', 'softmax-train',
         'softmax-train-hidden',
         'nb4-step-sizes'),
        'train: the update adds the gradient (gradient ascent), so the loss grows; step '
        'against it: W -= learning_rate * grad.'),
}


def mistake_hints(failed, limit=3):
    """Descriptions of the common mistakes that explain the failed check ids.

    Returns
    -------
    exact : list of str
        Mistakes caught by exactly the failed checks.
    possible : list of str
        Mistakes whose checks all failed, among others (largest first).
    """
    failed = set(failed)
    exact, possible = [], []
    for name, (checks, hint) in sorted(COMMON_MISTAKES.items(), key=lambda kv: -len(kv[1][0])):
        if set(checks) == failed:
            exact.append(hint)
        elif set(checks) < failed and len(checks) > 1:
            possible.append(hint)
    return exact[:limit], possible[:max(0, limit - len(exact))]
