import { useState } from "preact/hooks";
export default function Counter(props: { start: number }) {
  const [n, setN] = useState(props.start);
  return <button type="button" onClick={() => setN(n + 1)}>{n}</button>;
}
