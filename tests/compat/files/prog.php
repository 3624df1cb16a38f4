<?php
$words = explode(" ", "osprey runs unmodified php programs");
usort($words, fn($a, $b) => strlen($a) <=> strlen($b) ?: strcmp($a, $b));
echo implode(",", $words), "\n";
echo json_encode(["squares" => array_map(fn($x) => $x * $x, range(1, 6))]), "\n";
echo hash("sha256", "osprey"), "\n";
echo preg_replace('/(\w+)@(\w+)/', '$2 at $1', "user@example"), "\n";
file_put_contents("/tmp/php.txt", str_repeat("line\n", 5));
echo count(file("/tmp/php.txt")), " lines\n";
try {
    throw new RuntimeException("bad");
} catch (Exception $e) {
    echo get_class($e), ": ", $e->getMessage(), "\n";
}
printf("%05.2f %x %s\n", 3.14159, 255, var_export([1 => 'a'], true));
