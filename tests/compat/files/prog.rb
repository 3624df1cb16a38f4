require 'json'
require 'set'
Point = Struct.new(:x, :y) do
  def norm2 = x * x + y * y
end
points = (1..5).map { |i| Point.new(i, 10 - i) }
puts points.sort_by(&:norm2).map { |p| "#{p.x},#{p.y}" }.join(" ")
puts JSON.generate({ "words" => %w[osprey runs ruby].map(&:upcase) })
puts Set.new([3, 1, 3, 2]).sort.inspect
puts "mississippi".chars.tally.sort.to_h.inspect
File.write("/tmp/ruby.txt", "x\n" * 4)
puts File.readlines("/tmp/ruby.txt").size
begin
  raise ArgumentError, "bad"
rescue => error
  puts "rescued #{error.class}: #{error.message}"
end
