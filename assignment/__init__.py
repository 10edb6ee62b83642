"""Linear classifiers assignment: the package students edit.

- ``assignment.classifiers``: the SVM and softmax losses and the classifier
  that trains them (the files with TODO regions are yours to fill in).
- ``assignment.gradient_check``: numerical gradients to check your own.
- ``assignment.data``: the data sets and their preprocessing.
- ``assignment.plotting``: the figures the notebooks show.
"""
