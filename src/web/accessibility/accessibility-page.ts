import type { FastifyInstance } from 'fastify';

export interface AccessibilityPageOptions {
  publicUrl: string;
}

/** `/accessibility`: the accessibility statement (Public Sector Bodies Accessibility Regulations 2018). */
export async function registerAccessibilityPage(
  app: FastifyInstance,
  options: AccessibilityPageOptions,
): Promise<void> {
  app.get('/accessibility', (_request, reply) =>
    reply.view('accessibility/accessibility.njk', { publicUrl: options.publicUrl }),
  );
}
