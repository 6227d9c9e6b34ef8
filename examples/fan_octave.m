% The fan chart's numbers with GNU Octave's netcdf package (Debian: octave,
% octave-netcdf): the same lines as examples/fan_xarray.py.  Octave 7 has no
% h5read; ncread reads a variable of a group by its path.  Octave keeps the
% file's dimension order reversed, as MATLAB does: [quantile, year].
%   octave-cli examples/fan_octave.m results/baseline.h5
pkg load netcdf
args = argv();
if numel(args) > 0, path = args{1}; else, path = 'results/baseline.h5'; end
years = ncread(path, '/summary/year');
levels = ncread(path, '/summary/quantile');
fan = ncread(path, '/summary/organic_revenue_q');          % [quantile, year]
methods = {'bain', 'jpmorgan', 'sequoia', 'full_cost'};
mid = find(levels == 0.5);
bars = zeros(numel(years), numel(methods));
for m = 1:numel(methods)
  q = ncread(path, ['/summary/required_' methods{m} '_q']);
  bars(:, m) = q(mid, :)';
end
info = ncinfo(path);                                       % groups, variables, attributes
printf('# seed %s paths %d groups %d units %s\n', ncreadatt(path, '/', 'seed'), ncreadatt(path, '/', 'paths'), ...
       numel(info.Groups), ncreadatt(path, '/summary/organic_revenue_q', 'units'));
printf('levels%s\n', sprintf(' %g', levels));
for i = 1:numel(years)
  printf('year %d organic_q%s required_median%s\n', years(i), sprintf(' %.10g', fan(:, i)), sprintf(' %.10g', bars(i, :)));
end
