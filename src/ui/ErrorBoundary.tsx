import { Component, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** A bug in a component shows a message, never a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <section className="problems" role="alert">
        <h2>Something went wrong</h2>
        <p>The page hit an error it did not expect: {this.state.error.message}. Reloading may help.</p>
      </section>
    );
  }
}
