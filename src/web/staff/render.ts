import type { Response } from 'express';
import type { Services } from '../../services.js';
import { sendHtml } from '../pages.js';
import { views, type PageContent } from '../views.js';

export type Section = 'dashboard' | 'cases' | 'newReferral' | 'reports' | 'retention' | 'signIn' | 'account' | 'admin';

/** Every staff page: the named template in templates/staff inside the staff layout, with who is signed in and their menu. */
export function staffRenderer({ config }: Pick<Services, 'config'>) {
  return (res: Response, status: number, name: string, model: PageContent & { section?: Section }) => {
    const signedIn = res.locals.signedIn;
    const role = signedIn?.user.role;
    const item = (text: string, href: string, section: Section) => ({ text, href, active: model.section === section });
    // A supervisor starts from the dashboard; a facilitator from their cases.
    const navigation = [
      ...(role === 'supervisor'
        ? [item('Dashboard', '/', 'dashboard'), item('Cases', '/cases', 'cases'), item('New referral', '/cases/new', 'newReferral'), item('Reports', '/reports', 'reports'), item('Retention', '/retention', 'retention')]
        : role === 'facilitator'
          ? [item('Cases', '/', 'cases'), item('New referral', '/cases/new', 'newReferral')]
          : role === 'admin'
            ? [item('Users', '/admin', 'admin')]
            : []),
      ...(signedIn ? [item('Your account', '/account', 'account')] : []),
    ];
    const page = views.page(
      `staff/${name}`,
      {
        ...model,
        service: config.service,
        ...(signedIn ? { staff: { name: signedIn.user.name, role: signedIn.user.role }, csrf: signedIn.csrfToken, navigation } : {}),
        ...(res.locals.flash ? { flash: res.locals.flash } : {}),
      },
      'staff',
    );
    sendHtml(res, status, page);
  };
}

export type StaffRender = ReturnType<typeof staffRenderer>;
