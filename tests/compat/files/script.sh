# bash without child processes: functions, arrays, arithmetic, string operations,
# redirections, here-strings, read loops.
square() { echo $(( $1 * $1 )); }
declare -A seen
total=0
while read -r word rest; do
    seen[$word]=1
    total=$(( total + ${#word} ))
done < "$1"
echo "distinct ${#seen[@]} total $total"
for n in 3 5 8; do printf '%s^2=' "$n"; square "$n"; done
text="Osprey runs unmodified Linux programs"
echo "${text^^}" "${text//un/UN}" "${text:7:4}"
printf '%s\n' one two three > /tmp/bash.txt
mapfile -t lines < /tmp/bash.txt
echo "${#lines[@]} lines, last ${lines[-1]}"
read -r first <<< "here string"
echo "$first"
