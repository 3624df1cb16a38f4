# AF_UNIX as a Python service uses it, in one process: a threaded echo server on a path,
# datagrams between abstract names, a descriptor passed with SCM_RIGHTS (socket.send_fds),
# and a SOCK_SEQPACKET pair. The output is the same on Linux and in the VM.
import os, socket, threading

PATH = "/tmp/compat-echo.sock"
if os.path.exists(PATH):
    os.unlink(PATH)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(PATH)
listener.listen(4)

def serve(count):
    for _ in range(count):
        connection, _ = listener.accept()
        with connection:
            while data := connection.recv(64):
                connection.sendall(data.upper())

server = threading.Thread(target=serve, args=(3,))
server.start()
for word in ("osprey", "runs", "unix sockets"):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(PATH)
        client.sendall(word.encode())
        client.shutdown(socket.SHUT_WR)
        print(client.recv(64).decode(), client.getpeername())
server.join()
listener.close()
print("socket file:", os.path.exists(PATH), oct(os.stat(PATH).st_mode >> 12))
os.unlink(PATH)

a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
a.bind("\0compat-a")
b = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
b.bind("\0compat-b")
a.sendto(b"ping", "\0compat-b")
data, sender = b.recvfrom(16)
print(data, sender)
b.sendto(b"pong", sender)
print(a.recvfrom(16))

left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
read_end, write_end = os.pipe()
socket.send_fds(left, [b"fd"], [write_end])
os.close(write_end)
message, fds, flags, _ = socket.recv_fds(right, 16, 4)
os.write(fds[0], b"written through a passed descriptor")
os.close(fds[0])
print(message, len(fds), flags, os.read(read_end, 64))

first, second = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
first.send(b"one")
first.send(b"two")
print(second.recv(16), second.recv(16))
