% The fan chart's numbers with MATLAB's h5read/h5readatt: the same lines as
% examples/fan_xarray.py.  NOT TESTED here (no MATLAB on this machine;
% GNU Octave has no h5read: see fan_octave.m); written to the layout of
% docs/output.md.  MATLAB reverses the file's dimension order:
% a (year, quantile) dataset reads as [quantile, year].
%   matlab -batch "path='results/baseline.h5'; run('examples/fan_matlab.m')"
if ~exist('path', 'var'), path = 'results/baseline.h5'; end
years = h5read(path, '/summary/year');
levels = h5read(path, '/summary/quantile');
fan = h5read(path, '/summary/organic_revenue_q');
methods = {'bain', 'jpmorgan', 'sequoia', 'full_cost'};
mid = find(levels == 0.5);
bars = zeros(numel(years), numel(methods));
for m = 1:numel(methods)
    q = h5read(path, ['/summary/required_' methods{m} '_q']);
    bars(:, m) = q(mid, :)';
end
fprintf('# seed %s paths %d\n', h5readatt(path, '/', 'seed'), h5readatt(path, '/', 'paths'));
fprintf('levels%s\n', sprintf(' %g', levels));
for i = 1:numel(years)
    fprintf('year %d organic_q%s required_median%s\n', years(i), sprintf(' %.10g', fan(:, i)), ...
            sprintf(' %.10g', bars(i, :)));
end
% The chart: fill between symmetric levels, outer bands lightest.
figure; hold on;
for k = 1:floor(numel(levels) / 2)
    fill([years; flipud(years)], [fan(k, :)'; flipud(fan(end + 1 - k, :)')], [0.27 0.51 0.71], ...
         'FaceAlpha', 0.15 + 0.15 * k, 'EdgeColor', 'none');
end
plot(years, bars, 'LineWidth', 2); set(gca, 'YScale', 'log');
ylabel('B$ per year'); legend([repmat({''}, 1, floor(numel(levels) / 2)), strcat('required, ', methods)]);
print('fan_matlab.png', '-dpng');
